import type { ExprContext } from '../../../packages/engine/src/expr/index.js';

/** A context shaped like the planner's and the scheduler's. */
export const ctx: ExprContext = {
  env: { CI: 'true', EMPTY: '', JOB: 'build', JSON: '{"a": {"b": 1}}' },
  matrix: { os: 'linux', list: ['a', 'b', 'c'], numbers: [1, 2, 3] },
  git: { sha: 'a'.repeat(40), shortSha: 'aaaaaaa', branch: 'main', ref: 'refs/heads/main', tag: '' },
  jobs: { build: { outputs: { digest: 'sha256:abc' }, status: 'success' } },
  secrets: { TOKEN: 's3cret' },
  run: { trigger: 'push' },
};
