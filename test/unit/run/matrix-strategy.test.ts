import { describe, expect, it } from 'vitest';
import { FakeExecutor } from '../../../packages/engine/src/exec/fake-executor.js';
import type { RunEvent } from '../../../packages/engine/src/run/events.js';
import { runYaml } from '../../helpers/run-yaml.js';

const finished = (events: RunEvent[]) =>
  Object.fromEntries(
    events.flatMap((e) => (e.type === 'job.finished' ? [[e.job, { status: e.status, error: e.error }]] : [])),
  );

/** `check N` fails (exit 3) for N = 1 and passes otherwise. */
const checkingExecutor = () =>
  new FakeExecutor({ commands: [{ match: /^check (\d+)$/, run: (_ctx, match) => (match[1] === '1' ? 3 : 0) }] });

/** Counts how many steps of the executor run at once (each `work` step waits 50 ms). */
function countingExecutor(): { executor: FakeExecutor; peak: () => number } {
  let running = 0;
  let peak = 0;
  const executor = new FakeExecutor({
    commands: [
      {
        match: /^work$/,
        run: async (ctx) => {
          running += 1;
          peak = Math.max(peak, running);
          try {
            await ctx.clock.sleep(50, ctx.signal);
          } finally {
            running -= 1;
          }
        },
      },
    ],
  });
  return { executor, peak: () => peak };
}

describe('matrix failFast', () => {
  it('cancels the running and pending cells of a job when one cell fails, naming the failed cell', async () => {
    const executor = checkingExecutor();
    const { result, events } = await runYaml(
      `
jobs:
  test:
    image: x
    matrix: { maxParallel: 2, n: [1, 2, 3, 4] }
    steps:
      - run: check \${{ matrix.n }}
      - run: sleep 5
  other:
    image: x
    steps: [{ run: sleep 0.2 }]
`,
      executor,
      { concurrency: 4 },
    );
    const jobs = finished(events);
    expect(jobs['test (n=1)']).toMatchObject({ status: 'failed' });
    // n=2 was running (sleep 5) and is aborted; n=3 and n=4 never started.
    for (const cell of ['test (n=2)', 'test (n=3)', 'test (n=4)'])
      expect(jobs[cell]).toEqual({
        status: 'cancelled',
        error: 'cancelled because test (n=1) failed (matrix failFast)',
      });
    expect(events.some((e) => e.type === 'job.started' && e.job === 'test (n=2)')).toBe(true);
    expect(events.some((e) => e.type === 'job.started' && e.job === 'test (n=3)')).toBe(false);
    // Another job is not a sibling.
    expect(jobs.other).toMatchObject({ status: 'success' });
    expect(result.status).toBe('failed');
    expect(result.durationMs).toBeLessThan(3000);
    expect(executor.preparedJobs).toEqual([]);
  });

  it('lets the other cells finish with failFast: false', async () => {
    const { events } = await runYaml(
      `
jobs:
  test:
    image: x
    matrix: { failFast: false, n: [1, 2, 3] }
    steps:
      - run: check \${{ matrix.n }}
`,
      checkingExecutor(),
    );
    const jobs = finished(events);
    expect(jobs['test (n=1)']).toMatchObject({ status: 'failed' });
    expect(jobs['test (n=2)']).toMatchObject({ status: 'success' });
    expect(jobs['test (n=3)']).toMatchObject({ status: 'success' });
  });

  it('does not cancel siblings of a cell that is allowed to fail', async () => {
    const { events } = await runYaml(
      `
jobs:
  test:
    image: x
    allowFailure: true
    matrix: { n: [1, 2] }
    steps:
      - run: check \${{ matrix.n }}
`,
      checkingExecutor(),
    );
    expect(finished(events)['test (n=2)']).toMatchObject({ status: 'success' });
  });
});

describe('matrix maxParallel', () => {
  it('runs at most maxParallel cells of the job at once, and says why the others wait', async () => {
    const { executor, peak } = countingExecutor();
    const { result, events } = await runYaml(
      'jobs:\n  test:\n    image: x\n    matrix: { maxParallel: 2, n: [1, 2, 3, 4, 5] }\n    steps: [{ run: work }]\n',
      executor,
      { concurrency: 8 },
    );
    expect(result.status).toBe('success');
    expect(peak()).toBe(2);
    expect(events.filter((e) => e.type === 'job.finished')).toHaveLength(5);
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'job.waiting', reason: 'maxParallel of 2 reached for the cells of test' }),
    );
  });

  it('prepares no more warm containers for the cells than maxParallel while their need runs', async () => {
    const executor = new FakeExecutor();
    await runYaml(
      'jobs:\n  a:\n    image: x\n    steps: [{ run: sleep 0.1 }]\n  m:\n    needs: a\n    image: x\n    matrix: { maxParallel: 1, n: [1, 2, 3] }\n    steps: [{ run: echo m }]\n',
      executor,
    );
    const order = executor.calls.map((call) => `${call.kind}${'job' in call ? ` ${call.job}` : ''}`);
    const beforeA = order.slice(0, order.indexOf('teardown a'));
    expect(beforeA.filter((entry) => entry.startsWith('prepare m'))).toHaveLength(1);
    expect(order.filter((entry) => entry.startsWith('runStep m'))).toHaveLength(3);
  });

  it('runs cells up to the run concurrency without maxParallel', async () => {
    const { executor, peak } = countingExecutor();
    await runYaml(
      'jobs:\n  test:\n    image: x\n    matrix: { n: [1, 2, 3, 4, 5] }\n    steps: [{ run: work }]\n',
      executor,
      {
        concurrency: 8,
      },
    );
    expect(peak()).toBe(5);
  });
});
