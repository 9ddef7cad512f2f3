import { describe, expect, it } from 'vitest';
import { planPipeline } from '../../../packages/engine/src/plan/plan-pipeline.js';
import type { PlanContext } from '../../../packages/engine/src/plan/plan-pipeline.js';

const ctx: PlanContext = {
  git: { sha: 'abcdef1234567', shortSha: 'abcdef1', branch: 'main', ref: 'refs/heads/main', tag: '', repo: 'r' },
};

describe('build.dockerfileInline in the plan', () => {
  it('keeps the text for the build and refuses it together with a context or a dockerfile', () => {
    const ok = planPipeline(
      { jobs: { img: { build: { dockerfileInline: 'FROM x\n', tags: ['t:1'] } } } },
      'ferry.yml',
      ctx,
    );
    expect(ok.plan?.jobs[0]?.build?.dockerfileInline).toBe('FROM x\n');
    const both = planPipeline(
      { jobs: { img: { build: { dockerfileInline: 'FROM x\n', context: 'app', tags: ['t:1'] } } } },
      'ferry.yml',
      ctx,
    );
    expect(both.issues.map((issue) => [issue.code, issue.message])).toEqual([
      [
        'PLAN_INVALID',
        'build.dockerfileInline is built with an empty context: remove build.context, or write the Dockerfile into the repository and name it with build.dockerfile',
      ],
    ]);
  });
});
