import { describe, expect, it } from 'vitest';
import { planPipeline } from '../../../packages/engine/src/plan/plan-pipeline.js';
import type { PlanContext } from '../../../packages/engine/src/plan/plan-pipeline.js';
import { Matrix, type PipelineSpec } from '../../../packages/engine/src/pipeline/pipeline-schema.js';

const ctx: PlanContext = {
  git: { sha: 'abcdef1234567', shortSha: 'abcdef1', branch: 'main', ref: 'refs/heads/main', tag: '', repo: 'r' },
};
const step = (run: string) => ({ run });

function plan(spec: PipelineSpec, context: Partial<PlanContext> = {}) {
  const result = planPipeline(spec, 'ferry.yml', { ...ctx, ...context });
  if (!result.plan) throw new Error(result.issues.map((i) => i.message).join('\n'));
  return result.plan;
}

describe('planPipeline', () => {
  it('orders jobs by stage, with each job waiting for the nearest earlier stage that has jobs', () => {
    const p = plan({
      stages: ['build', 'test', 'deploy'],
      jobs: {
        a: { stage: 'build', image: 'x', steps: [step('a')] },
        b: { stage: 'build', image: 'x', steps: [step('b')] },
        c: { stage: 'deploy', image: 'x', steps: [step('c')] },
      },
    });
    expect(p.jobs.map((j) => [j.id, j.needs])).toEqual([
      ['a', []],
      ['b', []],
      ['c', ['a', 'b']],
    ]);
    expect(p.jobs[2]?.needsFrom).toEqual({ a: 'stage', b: 'stage' });
  });

  it('lets needs replace stage ordering', () => {
    const p = plan({
      stages: ['build', 'test'],
      jobs: {
        a: { stage: 'build', image: 'x', steps: [step('a')] },
        b: { stage: 'build', image: 'x', steps: [step('b')] },
        c: { stage: 'test', needs: ['a'], image: 'x', steps: [step('c')] },
      },
    });
    expect(p.jobs.find((j) => j.id === 'c')?.needs).toEqual(['a']);
  });

  it('expands a matrix into one JobRun per cell with the values rendered, and dependents wait for all cells', () => {
    const p = plan({
      jobs: {
        test: {
          image: 'node:${{ matrix.node }}',
          matrix: { node: [18, 20], os: ['linux'] },
          steps: [step('echo ${{ matrix.node }}-${{ matrix.os }}')],
        },
        after: { needs: 'test', image: 'x', steps: [step('done')] },
      },
    });
    expect(p.jobs.map((j) => j.id)).toEqual(['test (node=18, os=linux)', 'test (node=20, os=linux)', 'after']);
    expect(p.jobs[0]?.image).toBe('node:18');
    expect(p.jobs[1]?.steps[0]?.run).toBe('echo 20-linux');
    expect(p.jobs[2]?.needs).toEqual(['test (node=18, os=linux)', 'test (node=20, os=linux)']);
  });

  it('applies matrix include and exclude', () => {
    const p = plan({
      jobs: {
        t: {
          image: 'x',
          // Through the schema: its catch-all axes and the include/exclude lists do not fit one literal type.
          matrix: Matrix.parse({
            os: ['linux', 'mac'],
            node: [18, 20],
            exclude: [{ os: 'mac', node: 18 }],
            include: [
              { os: 'linux', node: 20, extra: 'yes' },
              { os: 'bsd', node: 22 },
            ],
          }),
          steps: [step('x')],
        },
      },
    });
    expect(p.jobs.map((j) => j.matrix)).toEqual([
      { os: 'linux', node: 18 },
      { os: 'linux', node: 20, extra: 'yes' },
      { os: 'mac', node: 20 },
      { os: 'bsd', node: 22 },
    ]);
  });

  it('skips a job whose static if is false, and its dependents, with the reason', () => {
    const p = plan({
      jobs: {
        deploy: { if: "${{ git.branch == 'release' }}", image: 'x', steps: [step('d')] },
        notify: { needs: ['deploy'], image: 'x', steps: [step('n')] },
        test: { image: 'x', steps: [step('t')] },
      },
    });
    expect(p.jobs.map((j) => j.id)).toEqual(['test']);
    expect(p.skipped).toEqual([
      { id: 'deploy', jobId: 'deploy', reason: `if "git.branch == 'release'" was false` },
      {
        id: 'notify',
        jobId: 'notify',
        reason: `needs "deploy", which is skipped (if "git.branch == 'release'" was false)`,
      },
    ]);
  });

  it('keeps conditions that need run-time context for the scheduler', () => {
    const p = plan({
      jobs: {
        a: { image: 'x', steps: [step('a')] },
        b: { needs: 'a', if: "jobs.a.outputs.go == 'yes'", image: 'x', steps: [step('b')] },
      },
    });
    expect(p.jobs[1]?.if).toBe("jobs.a.outputs.go == 'yes'");
  });

  it('reports a cycle with its path and unknown needs', () => {
    const cyc = planPipeline(
      {
        jobs: {
          a: { needs: 'c', image: 'x', steps: [step('a')] },
          b: { needs: 'a', image: 'x', steps: [step('b')] },
          c: { needs: 'b', image: 'x', steps: [step('c')] },
        },
      },
      'f.yml',
      ctx,
    );
    expect(cyc.issues).toEqual([
      { code: 'PLAN_CYCLE', path: 'jobs.a.needs', message: 'jobs form a cycle: a → c → b → a' },
    ]);
    const unknown = planPipeline(
      { jobs: { a: { needs: ['tests'], image: 'x', steps: [step('a')] }, test: { image: 'x', steps: [step('t')] } } },
      'f.yml',
      ctx,
    );
    expect(unknown.issues[0]).toMatchObject({
      code: 'PLAN_UNKNOWN_NEED',
      path: 'jobs.a.needs[0]',
      message: expect.stringContaining('did you mean "test"'),
    });
  });

  it('selects a job and what it needs with only', () => {
    const p = plan(
      {
        jobs: {
          a: { image: 'x', steps: [step('a')] },
          b: { needs: 'a', image: 'x', steps: [step('b')] },
          c: { image: 'x', steps: [step('c')] },
        },
      },
      { only: ['b'] },
    );
    expect(p.jobs.map((j) => j.id)).toEqual(['a', 'b']);
    expect(p.skipped).toEqual([{ id: 'c', jobId: 'c', reason: 'not selected by --job' }]);
  });

  it('carries docker: true into the JobRun and its hash (off by default)', () => {
    const jobs = (docker?: boolean) => ({
      jobs: {
        it: { image: 'ferry/docker:20', steps: [step('docker ps')], ...(docker === undefined ? {} : { docker }) },
      },
    });
    expect(plan(jobs()).jobs[0]?.docker).toBe(false);
    expect(plan(jobs(true)).jobs[0]?.docker).toBe(true);
    expect(plan(jobs(false)).hash).toBe(plan(jobs()).hash);
    expect(plan(jobs(true)).hash).not.toBe(plan(jobs()).hash);
  });

  it('gives the same hash for the same plan and a different one when a command changes', () => {
    const spec = (cmd: string): PipelineSpec => ({ env: { A: '1' }, jobs: { a: { image: 'x', steps: [step(cmd)] } } });
    expect(plan(spec('make')).hash).toBe(plan(spec('make')).hash);
    expect(plan(spec('make')).hash).not.toBe(plan(spec('make test')).hash);
    expect(plan(spec('make')).hash).toBe(plan(spec('make'), { env: { A: '2' } }).hash);
  });

  it('converts durations and sizes', () => {
    const p = plan({
      jobs: { a: { image: 'x', timeout: '1m30s', resources: { memory: '512m' }, steps: [{ run: 'x', timeout: 5 }] } },
    });
    expect(p.jobs[0]?.timeoutMs).toBe(90_000);
    expect(p.jobs[0]?.steps[0]?.timeoutMs).toBe(5_000);
    expect(p.jobs[0]?.resources.memoryBytes).toBe(512 * 1024 * 1024);
  });
});
