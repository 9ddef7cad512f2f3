import { describe, expect, it } from 'vitest';
import { planPipeline } from '../../../packages/engine/src/plan/plan-pipeline.js';
import type { PlanContext } from '../../../packages/engine/src/plan/plan-pipeline.js';
import type { PipelineSpec } from '../../../packages/engine/src/pipeline/pipeline-schema.js';

const ctx: PlanContext = {
  git: { sha: 'abcdef1234567', shortSha: 'abcdef1', branch: 'main', ref: 'refs/heads/main', tag: '', repo: 'r' },
};
const steps = [{ run: 'true' }];

describe('named artifacts in the plan', () => {
  it('renders a name per matrix cell and the download entries', () => {
    const result = planPipeline(
      {
        jobs: {
          build: {
            image: 'x',
            matrix: { node: [18, 20] },
            artifacts: { name: 'dist-${{ matrix.node }}', paths: ['out/'] },
            steps,
          },
          use: { image: 'x', needs: ['build'], download: [{ pattern: 'dist-*', path: 'all', merge: true }], steps },
        },
      },
      'ferry.yml',
      ctx,
    );
    expect(result.issues).toEqual([]);
    expect(result.plan?.jobs.map((job) => job.artifacts?.name)).toEqual(['dist-18', 'dist-20', undefined]);
    expect(result.plan?.jobs[2]?.download).toEqual([{ pattern: 'dist-*', path: 'all', merge: true }]);
  });

  it('refuses two matrix cells uploading the same name, as upload-artifact v4 does', () => {
    const result = planPipeline(
      {
        jobs: {
          build: { image: 'x', matrix: { node: [18, 20] }, artifacts: { name: 'dist', paths: ['out/'] }, steps },
        },
      },
      'ferry.yml',
      ctx,
    );
    expect(result.issues).toEqual([
      {
        code: 'PLAN_ARTIFACT_CONFLICT',
        path: 'jobs.build.artifacts.name',
        message:
          'artifact "dist" would be uploaded by 2 jobs ("build (node=18)", "build (node=20)"); artifact names are unique in a run: put the matrix values in the name, like "dist-${{ matrix.<axis> }}"',
      },
    ]);
  });

  it('refuses two jobs uploading the same name', () => {
    const spec: PipelineSpec = {
      jobs: {
        a: { image: 'x', artifacts: { name: 'out', paths: ['a'] }, steps },
        b: { image: 'x', artifacts: { name: 'out', paths: ['b'] }, steps },
      },
    };
    const result = planPipeline(spec, 'ferry.yml', ctx);
    expect(result.issues.map((issue) => [issue.code, issue.path, issue.message])).toEqual([
      [
        'PLAN_ARTIFACT_CONFLICT',
        'jobs.b.artifacts.name',
        'artifact "out" would be uploaded by 2 jobs ("a", "b"); artifact names are unique in a run',
      ],
    ]);
  });

  it('refuses a download by a name no job upstream uploads, and reads upstream through other jobs', () => {
    const spec: PipelineSpec = {
      jobs: {
        build: { image: 'x', artifacts: { name: 'dist', paths: ['out'] }, steps },
        test: { image: 'x', needs: 'build', steps },
        other: { image: 'x', artifacts: { name: 'side', paths: ['s'] }, steps },
        ship: { image: 'x', needs: 'test', download: [{ name: 'dist' }, { name: 'side' }], steps },
      },
    };
    const result = planPipeline(spec, 'ferry.yml', ctx);
    expect(result.issues).toEqual([
      {
        code: 'PLAN_ARTIFACT_UNKNOWN',
        path: 'jobs.ship.download[1].name',
        message: '"ship" downloads artifact "side", which no job it needs uploads (named artifacts upstream: dist)',
      },
    ]);
  });

  it('refuses a name that needs run-time context or renders to a path', () => {
    const result = planPipeline(
      {
        jobs: {
          a: { image: 'x', artifacts: { name: 'dist-${{ jobs.b.outputs.v }}', paths: ['a'] }, steps },
          b: {
            image: 'x',
            matrix: { os: ['linux/amd64'] },
            artifacts: { name: 'b-${{ matrix.os }}', paths: ['b'] },
            steps,
          },
        },
      },
      'ferry.yml',
      ctx,
    );
    expect(result.issues.map((issue) => [issue.code, issue.path, issue.message])).toEqual([
      [
        'PLAN_INVALID',
        'jobs.a',
        'artifacts.name "dist-${{ jobs.b.outputs.v }}" reads a context known only while running; artifact names may use matrix, git, env and run',
      ],
      [
        'PLAN_INVALID',
        'jobs.b',
        'artifacts.name "b-linux/amd64" (from "b-${{ matrix.os }}") is empty or has one of " : < > | * ? \\ / or a line break',
      ],
    ]);
  });
});
