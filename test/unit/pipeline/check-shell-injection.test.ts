import { describe, expect, it } from 'vitest';
import { parsePipeline } from '../../../packages/engine/src/pipeline/parse-pipeline.js';

const file = `jobs:
  a:
    image: x
    env:
      REF: \${{ git.ref }}
    services:
      db:
        image: y
        command: serve --name \${{ git.tag }}
    steps:
      - run: echo \${{ git.sha }} "$REF"
      - run: |
          echo ok
          echo \${{ format('{0}', git.branch) }}
services:
  web:
    image: z
    port: 80
    command: [serve, "\${{ git.branch }}"]
`;

describe('checkShellInjection (through parsePipeline)', () => {
  it('warns where a run: or a string command: pastes a pushed name, and nowhere else', () => {
    const parsed = parsePipeline(file, 'f.yml');
    expect(parsed.issues).toEqual([]);
    expect(parsed.warnings.map(({ line, col, path, code, severity }) => ({ line, col, path, code, severity }))).toEqual(
      [
        { line: 9, col: 35, path: 'jobs.a.services.db.command', code: 'SPEC_SHELL_INJECTION', severity: 'warning' },
        { line: 14, col: 34, path: 'jobs.a.steps[1].run', code: 'SPEC_SHELL_INJECTION', severity: 'warning' },
      ],
    );
    expect(parsed.warnings[1]?.message).toContain('(BRANCH: ${{ git.branch }}) and use "$BRANCH"');
  });

  it('gives no warnings for a file that does not parse', () => {
    expect(parsePipeline('jobs: [', 'f.yml').warnings).toEqual([]);
  });
});
