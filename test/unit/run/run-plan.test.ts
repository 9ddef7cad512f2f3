import { describe, expect, it } from 'vitest';
import { FakeExecutor } from '../../../packages/engine/src/exec/fake-executor.js';
import type { ExecIO, PrepareOptions } from '../../../packages/engine/src/exec/executor.js';
import type { JobRun } from '../../../packages/engine/src/plan/plan-types.js';
import type { RunEvent } from '../../../packages/engine/src/run/events.js';
import { runYaml } from '../../helpers/run-yaml.js';

const jobStatuses = (events: RunEvent[]) =>
  Object.fromEntries(
    events.flatMap((e) =>
      e.type === 'job.finished'
        ? [[e.job, e.status]]
        : e.type === 'job.skipped'
          ? [[e.job, `skipped: ${e.reason}`]]
          : [],
    ),
  );

describe('runPlan', () => {
  it('never runs more jobs at once than the concurrency limit, and says why a job waits', async () => {
    let running = 0;
    let peak = 0;
    const executor = new FakeExecutor({
      onPrepare: () => {
        running += 1;
        peak = Math.max(peak, running);
      },
    });
    const teardown = executor.teardown.bind(executor);
    executor.teardown = async (job) => {
      if (executor.preparedJobs.includes(job.id)) running -= 1;
      return teardown(job);
    };
    const jobs = Array.from({ length: 5 }, (_, i) => `  j${i}:\n    image: x\n    steps: [{ run: sleep 0.05 }]\n`).join(
      '',
    );
    const { result, events } = await runYaml(`jobs:\n${jobs}`, executor, { concurrency: 2 });
    expect(result.status).toBe('success');
    expect(peak).toBe(2);
    expect(
      events.filter((e) => e.type === 'job.waiting').map((e) => (e.type === 'job.waiting' ? e.reason : '')),
    ).toContain('concurrency limit of 2 reached');
  });

  it('numbers events without gaps', async () => {
    const { events } = await runYaml(
      'jobs:\n  a:\n    image: x\n    steps: [{ run: echo one }, { run: echo two }]\n',
      new FakeExecutor(),
    );
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.map((e) => e.type)).toEqual([
      'run.started',
      'job.started',
      'step.started',
      'step.log',
      'step.finished',
      'step.started',
      'step.log',
      'step.finished',
      'job.finished',
      'run.finished',
    ]);
  });

  it('runs failure() and always() jobs and steps after a failure, and skips the rest with the reason', async () => {
    const { result, events } = await runYaml(
      `
jobs:
  build:
    image: x
    steps:
      - run: exit 2
      - run: echo skipped
      - run: echo cleanup
        if: always()
  report:
    needs: build
    if: failure()
    image: x
    steps: [{ run: echo reporting }]
  ship:
    needs: build
    image: x
    steps: [{ run: echo shipping }]
  notify:
    needs: [ship]
    if: always()
    image: x
    steps: [{ run: echo notified }]
`,
      new FakeExecutor(),
    );
    expect(result.status).toBe('failed');
    expect(jobStatuses(events)).toEqual({
      build: 'failed',
      report: 'success',
      ship: 'skipped: needs "build", which failed',
      notify: 'success',
    });
    const logs = events.flatMap((e) => (e.type === 'step.log' ? [e.line] : []));
    expect(logs).toEqual(['cleanup', 'reporting', 'notified']);
    // run.started carries the DAG's edges, which the web page draws.
    expect(events.find((e) => e.type === 'run.started')).toMatchObject({
      needs: { build: [], report: ['build'], ship: ['build'], notify: ['ship'] },
    });
  });

  it('decides a run-time if from the outputs of the jobs it needs', async () => {
    const { events } = await runYaml(
      `
jobs:
  check:
    image: x
    steps: [{ run: echo changed=no >> $FERRY_OUTPUT }]
  deploy:
    needs: check
    if: jobs.check.outputs.changed == 'yes'
    image: x
    steps: [{ run: echo deploying }]
`,
      new FakeExecutor(),
    );
    expect(jobStatuses(events)).toEqual({
      check: 'success',
      deploy: `skipped: if "jobs.check.outputs.changed == 'yes'" was false`,
    });
  });

  it('retries a failed job up to retry times and reports each attempt', async () => {
    let attempts = 0;
    const executor = new FakeExecutor({ commands: [{ match: /^flaky$/, run: () => (++attempts < 3 ? 1 : 0) }] });
    const { result, events } = await runYaml(
      'jobs:\n  a:\n    image: x\n    retry: 2\n    steps: [{ run: flaky }]\n',
      executor,
    );
    expect(result.status).toBe('success');
    expect(
      events.filter((e) => e.type === 'job.retrying').map((e) => (e.type === 'job.retrying' ? e.attempt : 0)),
    ).toEqual([2, 3]);
    expect(executor.calls.filter((c) => c.kind === 'teardown')).toHaveLength(3);
  });

  it('times out a job as a whole', async () => {
    const { result } = await runYaml(
      'jobs:\n  a:\n    image: x\n    timeout: 100ms\n    steps: [{ run: sleep 0.05 }, { run: sleep 10 }]\n',
      new FakeExecutor(),
    );
    expect(result.jobs[0]).toMatchObject({ status: 'timed-out', reason: 'job timed out after 100ms' });
  });

  it('fails a job whose image is missing, with the engine error, and still tears down', async () => {
    const executor = new FakeExecutor({ images: ['present'] });
    const { result } = await runYaml('jobs:\n  a:\n    image: absent\n    steps: [{ run: echo hi }]\n', executor);
    expect(result.jobs[0]?.status).toBe('failed');
    expect(result.jobs[0]?.reason).toContain('absent');
    expect(executor.calls.map((c) => c.kind)).toEqual(['openRun', 'prepare', 'teardown', 'closeRun']);
  });

  it('on cancellation stops running jobs, skips pending ones and tears everything down', async () => {
    const controller = new AbortController();
    const executor = new FakeExecutor();
    const { result, events } = await runYaml(
      'jobs:\n  a:\n    image: x\n    steps: [{ run: sleep 10 }]\n  b:\n    needs: a\n    image: x\n    steps: [{ run: echo b }]\n',
      executor,
      {
        signal: controller.signal,
        onEvent: (e) => {
          if (e.type === 'step.started') controller.abort();
        },
      },
    );
    expect(result.status).toBe('cancelled');
    expect(jobStatuses(events)).toEqual({ a: 'cancelled', b: 'skipped: run cancelled' });
    expect(executor.preparedJobs).toEqual([]);
  });

  it('lets an allowFailure step fail without failing the job', async () => {
    const { result, events } = await runYaml(
      'jobs:\n  a:\n    image: x\n    steps:\n      - run: exit 1\n        allowFailure: true\n      - run: echo after\n',
      new FakeExecutor(),
    );
    expect(result.status).toBe('success');
    expect(events.find((e) => e.type === 'step.finished')).toMatchObject({ status: 'failed', allowedFailure: true });
  });
});

describe('runPlan warm containers', () => {
  it("prepares a dependent's container while its need runs, and discards it when the dependent is skipped", async () => {
    const executor = new FakeExecutor();
    const { events } = await runYaml(
      "jobs:\n  a:\n    image: x\n    steps: [{ run: sleep 0.1 }]\n  b:\n    needs: a\n    image: x\n    steps: [{ run: echo b }]\n  c:\n    needs: a\n    if: jobs.a.outputs.go == 'yes'\n    image: x\n    steps: [{ run: echo c }]\n",
      executor,
    );
    const order = executor.calls.map((call) => `${call.kind}${'job' in call ? ` ${call.job}` : ''}`);
    // b and c are prepared before a's step ends; c is torn down unused.
    expect(order.indexOf('prepare b')).toBeLessThan(order.indexOf('teardown a'));
    expect(order.indexOf('prepare c')).toBeLessThan(order.indexOf('teardown a'));
    expect(order.filter((entry) => entry === 'prepare b')).toHaveLength(1);
    expect(order).not.toContain('runStep c');
    expect(order).toContain('teardown c');
    expect(executor.preparedJobs).toEqual([]);
    expect(events.find((e) => e.type === 'job.skipped')).toMatchObject({ job: 'c' });
  });

  it("warms a dependent only once its need's container is ready, not while that one is still starting", async () => {
    const log: string[] = [];
    class SlowStart extends FakeExecutor {
      override async prepare(job: JobRun, options: PrepareOptions, io: ExecIO): Promise<void> {
        log.push(`start ${job.id}`);
        if (job.id === 'a') await new Promise((resolve) => setTimeout(resolve, 50));
        await super.prepare(job, options, io);
        log.push(`ready ${job.id}`);
      }
    }
    const { result } = await runYaml(
      'jobs:\n  a:\n    image: x\n    steps: [{ run: sleep 0.1 }]\n  b:\n    needs: a\n    image: x\n    steps: [{ run: echo b }]\n',
      new SlowStart(),
    );
    expect(result.status).toBe('success');
    expect(log).toEqual(['start a', 'ready a', 'start b', 'ready b']);
  });

  it('warms no container for a job needing a build job until the build is over (its image may be the build)', async () => {
    const log: string[] = [];
    class Logged extends FakeExecutor {
      override async prepare(job: JobRun, options: PrepareOptions, io: ExecIO): Promise<void> {
        log.push(`prepare ${job.id}`);
        await super.prepare(job, options, io);
      }
    }
    const { result } = await runYaml(
      'jobs:\n  image:\n    build: { dockerfileInline: "FROM x", tags: [tools:1] }\n  use:\n    needs: image\n    image: tools:1\n    steps: [{ run: echo b }]\n',
      new Logged(),
      {
        deps: {
          handlers: {
            build: {
              stepName: () => 'build',
              run: async () => {
                await new Promise((resolve) => setTimeout(resolve, 50));
                log.push('built');
                return { status: 'success', outputs: { image: 'tools:1' } };
              },
            },
          },
        },
      },
    );
    expect(result.status).toBe('success');
    expect(log).toEqual(['built', 'prepare use']);
  });
});
