import Docker from 'dockerode';
import { afterAll, describe, expect, it } from 'vitest';
import { DockerExecutor } from '../../packages/engine/src/exec/docker/docker-executor.js';
import { ferryContainers, runYaml, uniqueRunId } from '../helpers/run-yaml.js';

const docker = new Docker();
const executor = new DockerExecutor({ docker });
const runIds: string[] = [];
const newRunId = () => {
  const id = uniqueRunId('sched');
  runIds.push(id);
  return id;
};

afterAll(async () => {
  for (const id of runIds) expect(await ferryContainers(docker, id)).toEqual([]);
});

describe('runPlan on the Docker engine', () => {
  it('runs independent jobs in parallel and a dependent job after both, passing outputs', async () => {
    const { result, events } = await runYaml(
      `
jobs:
  left:
    image: ferry/busybox:1
    steps:
      - run: sleep 1; echo left-done
      - run: echo side=left >> $FERRY_OUTPUT
  right:
    image: ferry/busybox:1
    steps:
      - run: sleep 1; echo right-done >&2
  join:
    needs: [left, right]
    image: ferry/busybox:1
    steps:
      - run: echo "joined \${{ jobs.left.outputs.side }}"
`,
      executor,
      { runId: newRunId() },
    );
    expect(result.status).toBe('success');
    const seqOf = (type: string, job: string) =>
      events.find((e) => e.type === type && 'job' in e && e.job === job)?.seq ?? -1;
    // Both started before either finished: they overlapped.
    expect(Math.max(seqOf('job.started', 'left'), seqOf('job.started', 'right'))).toBeLessThan(
      Math.min(seqOf('job.finished', 'left'), seqOf('job.finished', 'right')),
    );
    expect(seqOf('job.started', 'join')).toBeGreaterThan(
      Math.max(seqOf('job.finished', 'left'), seqOf('job.finished', 'right')),
    );
    const logs = events
      .filter((e) => e.type === 'step.log')
      .map((e) => (e.type === 'step.log' ? `${e.job}:${e.stream}:${e.line}` : ''));
    expect(logs).toEqual(
      expect.arrayContaining(['left:stdout:left-done', 'right:stderr:right-done', 'join:stdout:joined left']),
    );
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  });

  it('fails a job on exit 1, skips its dependent with the reason, and honours allowFailure', async () => {
    const { result, events } = await runYaml(
      `
jobs:
  broken:
    image: ferry/busybox:1
    steps:
      - run: echo before; exit 1
      - run: echo never
  tolerated:
    image: ferry/busybox:1
    allowFailure: true
    steps:
      - run: exit 3
  after-broken:
    needs: broken
    image: ferry/busybox:1
    steps:
      - run: echo never
  after-tolerated:
    needs: tolerated
    image: ferry/busybox:1
    steps:
      - run: echo ran
`,
      executor,
      { runId: newRunId() },
    );
    expect(result.status).toBe('failed');
    const byId = Object.fromEntries(result.jobs.map((j) => [j.id, j]));
    expect(byId.broken).toMatchObject({ status: 'failed', reason: 'step "echo before; exit 1" exited with code 1' });
    expect(byId.tolerated).toMatchObject({ status: 'failed', allowedFailure: true });
    expect(byId['after-broken']).toMatchObject({ status: 'skipped', reason: 'needs "broken", which failed' });
    expect(byId['after-tolerated']?.status).toBe('success');
    expect(events.find((e) => e.type === 'step.finished' && e.job === 'broken')).toMatchObject({
      exitCode: 1,
      status: 'failed',
    });
    expect(events.find((e) => e.type === 'step.skipped' && e.job === 'broken')).toMatchObject({
      reason: 'an earlier step failed',
    });
  });

  it('stops a step at its timeout and retries the job', async () => {
    const { result, events } = await runYaml(
      `
jobs:
  slow:
    image: ferry/busybox:1
    retry: 1
    steps:
      - run: sleep 30
        timeout: 1s
`,
      executor,
      { runId: newRunId() },
    );
    expect(result.jobs[0]).toMatchObject({ status: 'timed-out', reason: 'step "sleep 30" timed out after 1s' });
    expect(
      events.filter((e) => e.type === 'job.started').map((e) => (e.type === 'job.started' ? e.attempt : 0)),
    ).toEqual([1, 2]);
    expect(result.jobs[0]!.durationMs).toBeLessThan(15_000);
  });

  it('cancels by AbortSignal and leaves no container behind', async () => {
    const runId = newRunId();
    const controller = new AbortController();
    const { result, events } = await runYaml(
      `
jobs:
  a:
    image: ferry/busybox:1
    steps:
      - run: sleep 60
  b:
    image: ferry/busybox:1
    steps:
      - run: sleep 60
  c:
    needs: [a]
    image: ferry/busybox:1
    steps:
      - run: echo never
`,
      executor,
      {
        runId,
        onEvent: (event) => {
          if (event.type === 'step.started' && event.job === 'b') setTimeout(() => controller.abort(), 300);
        },
        signal: controller.signal,
      },
    );
    expect(result.status).toBe('cancelled');
    expect(events.find((e) => e.type === 'job.skipped' && e.job === 'c')).toMatchObject({ reason: 'run cancelled' });
    expect(await ferryContainers(docker, runId)).toEqual([]);
  });
});
