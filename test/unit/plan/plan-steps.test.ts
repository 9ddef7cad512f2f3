import { describe, expect, it } from 'vitest';
import { planPipeline } from '../../../packages/engine/src/plan/plan-pipeline.js';
import { resolveWorkdir } from '../../../packages/engine/src/plan/resolve-workdir.js';
import type { PipelineSpec } from '../../../packages/engine/src/pipeline/pipeline-schema.js';

const git = { sha: 'abcdef1234567', shortSha: 'abcdef1', branch: 'main', ref: 'refs/heads/main', tag: '', repo: 'r' };

function stepsOf(spec: PipelineSpec, job = 'a') {
  const result = planPipeline(spec, 'ferry.yml', { git });
  if (!result.plan) throw new Error(result.issues.map((i) => i.message).join('\n'));
  return result.plan.jobs.find((run) => run.jobId === job)?.steps ?? [];
}

describe('planned steps', () => {
  it('runs steps with sh -e by default, bash as GitHub Actions does, and a custom command line as given', () => {
    const steps = stepsOf({
      jobs: {
        a: {
          image: 'x',
          steps: [{ run: 'one' }, { run: 'two', shell: 'bash' }, { run: 'three', shell: 'python3 -u {0}' }],
        },
      },
    });
    expect(steps.map((step) => step.shell)).toEqual([
      'sh -e {0}',
      'bash --noprofile --norc -eo pipefail {0}',
      'python3 -u {0}',
    ]);
  });

  it("takes shell and workdir from the step, else the job's defaults, else the pipeline's", () => {
    const steps = stepsOf({
      defaults: { shell: 'bash', workdir: 'from-pipeline' },
      jobs: {
        a: {
          image: 'x',
          defaults: { workdir: 'from-job' },
          steps: [{ run: 'one' }, { run: 'two', shell: 'sh', workdir: 'from-step' }],
        },
        b: { image: 'x', workdir: '/src', steps: [{ run: 'three' }] },
      },
    });
    expect(steps.map((step) => [step.shell, step.workdir])).toEqual([
      ['bash --noprofile --norc -eo pipefail {0}', '/workspace/from-job'],
      ['sh -e {0}', '/workspace/from-step'],
    ]);
    const [other] = stepsOf(
      {
        defaults: { workdir: 'from-pipeline' },
        jobs: { b: { image: 'x', workdir: '/src', steps: [{ run: 'three' }] } },
      },
      'b',
    );
    expect(other?.workdir).toBe('/src/from-pipeline');
  });

  it('keeps ids, leaves workdir unset without one, and renders plan-time expressions in workdir', () => {
    const steps = stepsOf({
      jobs: {
        a: {
          image: 'x',
          matrix: { pkg: ['api'] },
          steps: [
            { id: 'first', run: 'one' },
            { run: 'two', workdir: 'packages/${{ matrix.pkg }}' },
            { run: 'three', workdir: '${{ steps.first.outputs.dir }}' },
          ],
        },
      },
    });
    expect(steps[0]).toMatchObject({ id: 'first' });
    expect(steps[0]).not.toHaveProperty('workdir');
    expect(steps[1]?.workdir).toBe('/workspace/packages/api');
    expect(steps[2]?.workdir).toBe('/workspace/${{ steps.first.outputs.dir }}');
  });

  it('changes the plan hash when a step changes shell or workdir', () => {
    const hash = (step: PipelineSpec['jobs'][string]['steps']) =>
      planPipeline({ jobs: { a: { image: 'x', steps: step } } }, 'f', { git }).plan?.hash;
    const base = hash([{ run: 'x' }]);
    expect(hash([{ run: 'x', shell: 'bash' }])).not.toBe(base);
    expect(hash([{ run: 'x', workdir: 'sub' }])).not.toBe(base);
    expect(hash([{ run: 'x' }])).toBe(base);
  });
});

describe('resolveWorkdir', () => {
  it('resolves relative directories against the job workdir and keeps absolute ones', () => {
    expect(resolveWorkdir('/workspace', 'a/b')).toBe('/workspace/a/b');
    expect(resolveWorkdir('/workspace/', './a/../b/')).toBe('/workspace/b');
    expect(resolveWorkdir('/workspace', '/opt/app')).toBe('/opt/app');
    expect(resolveWorkdir('/workspace', '..')).toBe('/');
  });

  it('joins a value that still holds an expression without normalising it', () => {
    expect(resolveWorkdir('/workspace/', '${{ steps.a.outputs.dir }}/x')).toBe(
      '/workspace/${{ steps.a.outputs.dir }}/x',
    );
    expect(resolveWorkdir('/workspace', '/${{ x }}')).toBe('/${{ x }}');
  });
});
