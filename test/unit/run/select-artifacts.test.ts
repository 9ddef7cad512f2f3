import { describe, expect, it } from 'vitest';
import { planPipeline } from '../../../packages/engine/src/plan/plan-pipeline.js';
import type { Plan } from '../../../packages/engine/src/plan/plan-types.js';
import type { PipelineSpec } from '../../../packages/engine/src/pipeline/pipeline-schema.js';
import type { JobResult } from '../../../packages/engine/src/run/run-types.js';
import { selectArtifacts } from '../../../packages/engine/src/run/select-artifacts.js';

const git = { sha: 'abc', shortSha: 'abc', branch: 'main', ref: 'refs/heads/main', tag: '', repo: 'r' };
const steps = [{ run: 'true' }];

function planOf(spec: PipelineSpec): Plan {
  const result = planPipeline(spec, 'ferry.yml', { git });
  if (!result.plan) throw new Error(result.issues.map((issue) => issue.message).join('\n'));
  return result.plan;
}

/** Every job of the plan finished with an archive named after it, but those in `without`. */
function saved(plan: Plan, without: string[] = []): Map<string, JobResult> {
  return new Map(
    plan.jobs.map((job) => [
      job.id,
      {
        id: job.id,
        jobId: job.jobId,
        status: 'success',
        allowedFailure: false,
        outputs: {},
        durationMs: 1,
        ...(job.artifacts && !without.includes(job.id) ? { artifacts: `/a/${job.id}.tar` } : {}),
      },
    ]),
  );
}

const matrixBuild = {
  image: 'x',
  matrix: { node: [18, 20] },
  artifacts: { name: 'dist-${{ matrix.node }}', paths: ['out/'] },
  steps,
};

describe('selectArtifacts', () => {
  it('without download: restores an unnamed artifact in place and each named one in a directory of its name', () => {
    const plan = planOf({
      jobs: {
        build: matrixBuild,
        lint: { image: 'x', artifacts: ['report.txt'], steps },
        use: { image: 'x', needs: ['build', 'lint'], steps },
      },
    });
    const use = plan.jobs.find((job) => job.id === 'use')!;
    expect(selectArtifacts(use, plan, saved(plan))).toEqual([
      { from: 'build (node=18)', name: 'dist-18', archive: '/a/build (node=18).tar', into: 'dist-18' },
      { from: 'build (node=20)', name: 'dist-20', archive: '/a/build (node=20).tar', into: 'dist-20' },
      { from: 'lint', archive: '/a/lint.tar' },
    ]);
  });

  it('follows download-artifact: a name into path, a pattern into path/<name>/, merge into path', () => {
    const plan = planOf({
      jobs: {
        build: matrixBuild,
        docs: { image: 'x', artifacts: { name: 'docs', paths: ['site'] }, steps },
        test: { image: 'x', needs: ['build', 'docs'], steps },
        use: {
          image: 'x',
          needs: 'test',
          download: [
            { name: 'docs', path: 'public' },
            { pattern: 'dist-*', path: 'each' },
            { pattern: 'dist-*', path: 'all', merge: true },
            { name: 'dist-20' },
          ],
          steps,
        },
      },
    });
    const use = plan.jobs.find((job) => job.id === 'use')!;
    expect(selectArtifacts(use, plan, saved(plan)).map(({ name, into }) => [name, into])).toEqual([
      ['docs', 'public'],
      ['dist-18', 'each/dist-18'],
      ['dist-20', 'each/dist-20'],
      ['dist-18', 'all'],
      ['dist-20', 'all'],
      ['dist-20', undefined],
    ]);
  });

  it('restores nothing for download: [] and every named artifact upstream for an empty entry', () => {
    const plan = planOf({
      jobs: {
        build: matrixBuild,
        none: { image: 'x', needs: 'build', download: [], steps },
        every: { image: 'x', needs: 'build', download: [{}], steps },
      },
    });
    const [none, every] = ['none', 'every'].map((id) => plan.jobs.find((job) => job.id === id)!);
    expect(selectArtifacts(none!, plan, saved(plan))).toEqual([]);
    expect(selectArtifacts(every!, plan, saved(plan)).map(({ into }) => into)).toEqual(['dist-18', 'dist-20']);
  });

  it('fails with RUN_ARTIFACT_MISSING when a named artifact was not saved', () => {
    const plan = planOf({
      jobs: { build: matrixBuild, use: { image: 'x', needs: 'build', download: [{ name: 'dist-18' }], steps } },
    });
    const use = plan.jobs.find((job) => job.id === 'use')!;
    expect(() => selectArtifacts(use, plan, saved(plan, ['build (node=18)']))).toThrow(
      expect.objectContaining({
        code: 'RUN_ARTIFACT_MISSING',
        message:
          'artifact "dist-18" was not saved in this run (its job failed, was skipped, or its paths matched nothing); saved: dist-20',
      }),
    );
  });
});
