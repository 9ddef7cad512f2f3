import { describe, expect, it } from 'vitest';
import { matchChanges, type ChangeSet } from '../../../packages/engine/src/plan/match-changes.js';
import { planCheckout, planPipeline } from '../../../packages/engine/src/plan/plan-pipeline.js';
import { formatPlanText } from '../../../packages/engine/src/plan/format-plan.js';
import type { PipelineSpec } from '../../../packages/engine/src/pipeline/pipeline-schema.js';
import { parsePipeline } from '../../../packages/engine/src/pipeline/index.js';

const changed = (...paths: string[]): ChangeSet => ({ known: true, paths, compared: 'a1b2c3d..d4e5f6a' });
const git = {
  sha: 'd4e5f6a'.padEnd(40, '0'),
  shortSha: 'd4e5f6a',
  branch: 'main',
  ref: 'refs/heads/main',
  tag: '',
  repo: 'r',
};

describe('matchChanges', () => {
  it('runs a job when a changed file matches, naming the files and what was compared', () => {
    expect(matchChanges(['src/**'], changed('README.md', 'src/a/b.ts'))).toEqual({
      run: true,
      note: 'src/a/b.ts changed, matching src/** (compared a1b2c3d..d4e5f6a)',
    });
  });

  it('skips a job when no changed file matches, with the globs and the range in the reason', () => {
    expect(matchChanges(['src/**', 'docs/**'], changed('README.md'))).toEqual({
      run: false,
      reason: 'no changed file matches src/**, docs/** (compared a1b2c3d..d4e5f6a)',
    });
    expect(matchChanges(['src/**'], changed())).toMatchObject({ run: false });
  });

  it('reads globs in order: a later ! deselects, * stops at / and ** crosses it, dot files match', () => {
    expect(matchChanges(['src/**', '!src/**/*.md'], changed('src/notes/x.md'))).toMatchObject({ run: false });
    expect(matchChanges(['src/**', '!src/**/*.md'], changed('src/notes/x.md', 'src/x.ts'))).toMatchObject({
      run: true,
    });
    expect(matchChanges(['*.md'], changed('docs/a.md'))).toMatchObject({ run: false });
    expect(matchChanges(['**/*.md'], changed('docs/a.md'))).toMatchObject({ run: true });
    expect(matchChanges(['.github/**'], changed('.github/ci.yml'))).toMatchObject({ run: true });
  });

  it('runs the job when the changes are unknown, saying why (as GitLab does without a push)', () => {
    expect(matchChanges(['src/**'], { known: false, reason: 'the push created the branch' })).toEqual({
      run: true,
      note: 'changes not compared (the push created the branch): the job runs',
    });
  });

  it('shortens a long list of matching files', () => {
    const verdict = matchChanges(['**'], changed('a', 'b', 'c', 'd', 'e'));
    expect(verdict).toMatchObject({ note: 'a, b, c and 2 more changed, matching ** (compared a1b2c3d..d4e5f6a)' });
  });
});

describe('planCheckout', () => {
  it('defaults to depth 1 without tags; depth 0 fetches tags unless told not to; false is no checkout', () => {
    expect(planCheckout(undefined)).toEqual({ depth: 1, tags: false });
    expect(planCheckout(true)).toEqual({ depth: 1, tags: false });
    expect(planCheckout({ depth: 0 })).toEqual({ depth: 0, tags: true });
    expect(planCheckout({ depth: 0, tags: false })).toEqual({ depth: 0, tags: false });
    expect(planCheckout({ depth: 20, tags: true })).toEqual({ depth: 20, tags: true });
    expect(planCheckout(false)).toBe(false);
  });

  it('keeps submodules only when asked for', () => {
    expect(planCheckout({ submodules: true })).toEqual({ depth: 1, tags: false, submodules: true });
    expect(planCheckout({ depth: 0, submodules: 'recursive' })).toEqual({
      depth: 0,
      tags: true,
      submodules: 'recursive',
    });
    expect(planCheckout({ submodules: false })).toEqual({ depth: 1, tags: false });
  });
});

describe('planPipeline with checkout and changes', () => {
  const spec: PipelineSpec = {
    checkout: { depth: 0 },
    jobs: {
      docs: { image: 'x', changes: ['docs/**'], steps: [{ run: 'make docs' }] },
      app: { image: 'x', changes: ['src/**'], checkout: false, steps: [{ run: 'make' }] },
      deploy: { image: 'x', needs: 'app', steps: [{ run: 'deploy' }] },
      lint: { image: 'x', checkout: { depth: 5 }, steps: [{ run: 'lint' }] },
    },
  };

  it('skips jobs whose paths did not change (and what needs them), and takes checkout from the pipeline unless the job sets it', () => {
    const result = planPipeline(spec, 'ferry.yml', { git, changes: changed('docs/index.md') });
    if (!result.plan) throw new Error('unplannable');
    expect(result.plan.jobs.map((job) => [job.id, job.checkout])).toEqual([
      ['docs', { depth: 0, tags: true }],
      ['lint', { depth: 5, tags: false }],
    ]);
    expect(result.plan.skipped).toEqual([
      { id: 'app', jobId: 'app', reason: 'no changed file matches src/** (compared a1b2c3d..d4e5f6a)' },
      {
        id: 'deploy',
        jobId: 'deploy',
        reason: 'needs "app", which is skipped (no changed file matches src/** (compared a1b2c3d..d4e5f6a))',
      },
    ]);
    expect(formatPlanText(result.plan)).toContain(
      'docs image x\n  runs: docs/index.md changed, matching docs/** (compared a1b2c3d..d4e5f6a)',
    );
    expect(formatPlanText(result.plan)).toContain(
      'app skipped: no changed file matches src/** (compared a1b2c3d..d4e5f6a)',
    );
  });

  it('runs every job with changes when no change set is given', () => {
    const result = planPipeline(spec, 'ferry.yml', { git });
    expect(result.plan?.skipped).toEqual([]);
    expect(result.plan?.jobs.find((job) => job.id === 'app')?.changesNote).toBe(
      'changes not compared (no change to compare against was given): the job runs',
    );
  });

  it('rejects a negative depth and an empty changes list with their positions', () => {
    const { issues } = parsePipeline(
      'jobs:\n  a:\n    image: x\n    checkout: { depth: -1 }\n    changes: []\n    steps: [{ run: a }]\n',
      'ferry.yml',
    );
    expect(issues.map((issue) => [issue.path, issue.line])).toEqual([
      ['jobs.a.checkout.depth', 4],
      ['jobs.a.changes', 5],
    ]);
  });
});
