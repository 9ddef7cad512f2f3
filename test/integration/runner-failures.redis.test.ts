import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTempGitRepo, type TempGitRepo } from '../helpers/temp-git-repo.js';
import { ferry } from '../helpers/ferry-cli.js';
import { eventually, openQueueFixture, redisUrlFor, type QueueFixture } from '../setup/queue-fixtures.js';
import { killAllRunners, spawnRunner, type RunnerProcess } from '../setup/runner-process.js';

// Runners with a 3s lease: one that stops renewing it (SIGKILL) is presumed dead within ~5s.
const lease = '3s';
let fx: QueueFixture;
let repo: TempGitRepo;
let sha: string;
const runners = new Map<string, RunnerProcess>();
const runIds: string[] = [];
let spawnedCount = 0;

async function addRunner(): Promise<RunnerProcess> {
  spawnedCount += 1;
  const runner = await spawnRunner({ redisUrl: fx.url, name: `r${spawnedCount}`, concurrency: 1, lease });
  runners.set(runner.name, runner);
  return runner;
}

function kill(name: string): Promise<unknown> {
  const runner = runners.get(name);
  if (!runner) throw new Error(`no runner ${name}`);
  runners.delete(name);
  runner.child.kill('SIGKILL');
  return runner.exited;
}

/** Waits until the run's current attempt is inside its first step, i.e. a container is up and busy. */
async function waitUntilStepRunning(runId: string, attempt: number): Promise<string> {
  const record = await fx.waitForRun(runId, {
    until: (r) => r.status === 'running' && r.attempt === attempt,
    timeoutMs: 30_000,
  });
  await eventually(
    async () =>
      (await fx.entries(runId)).some((entry) => entry.attempt === attempt && entry.event.type === 'step.started'),
    `attempt ${attempt} of ${runId} to start its step`,
  );
  return record.runner as string;
}

beforeAll(async () => {
  fx = await openQueueFixture(redisUrlFor(3));
  repo = await createTempGitRepo({
    'ferry.yml':
      'name: naps\njobs:\n  nap:\n    image: ferry/busybox:1\n    steps:\n      - run: echo start; sleep 3; echo done\n',
    'long.yml':
      'name: long\njobs:\n  nap:\n    image: ferry/busybox:1\n    steps:\n      - run: echo start; sleep 60; echo never\n',
  });
  sha = await repo.git('rev-parse', 'HEAD');
  await Promise.all([addRunner(), addRunner(), addRunner()]);
});

afterAll(async () => {
  await killAllRunners();
  // Whatever the tests did, the runners reaped what they or their killed peers left.
  if (fx) expect(await fx.leftoversOf(runIds)).toEqual([]);
  await fx?.close();
  await repo?.cleanup();
});

const repoUrl = () => `file://${repo.dir}`;

describe('runner failure semantics', () => {
  it('a runner SIGKILLed mid-run: the run is retried on another runner, finishes once, and leaves no container', async () => {
    const { runId } = await fx.queue.enqueue({ repo: repoUrl(), sha, labels: ['docker'] });
    runIds.push(runId);
    const victim = await waitUntilStepRunning(runId, 1);
    expect(await fx.containersOf(runId)).toHaveLength(1);
    await kill(victim);

    const record = await fx.waitForRun(runId, { timeoutMs: 40_000 });
    expect(record).toMatchObject({ status: 'success', attempt: 2, lost: 1 });
    expect(record.runner).not.toBe(victim);
    const entries = await fx.entries(runId);
    expect(entries.find((entry) => entry.event.type === 'attempt.lost')?.event).toMatchObject({
      runner: victim,
      attempt: 1,
      retrying: true,
    });
    expect(entries.filter((entry) => entry.event.type === 'run.finished').map((entry) => entry.attempt)).toEqual([2]);
    expect(await fx.containersOf(runId)).toEqual([]);
    await addRunner();
  });

  it('a run whose runner is lost twice ends as runner-lost, visibly, with its containers reaped', async () => {
    const { runId } = await fx.queue.enqueue({ repo: repoUrl(), sha, pipeline: 'long.yml', labels: ['docker'] });
    runIds.push(runId);
    await kill(await waitUntilStepRunning(runId, 1));
    await kill(await waitUntilStepRunning(runId, 2));

    const record = await fx.waitForRun(runId, { timeoutMs: 40_000 });
    expect(record).toMatchObject({ status: 'runner-lost', lost: 2 });
    expect(record.reason).toMatch(/was lost/);
    const lost = (await fx.entries(runId))
      .filter((entry) => entry.event.type === 'attempt.lost')
      .map((entry) => entry.event);
    expect(lost).toMatchObject([{ retrying: true }, { retrying: false }]);
    expect((await fx.entries(runId)).at(-1)?.event).toMatchObject({ type: 'run.result', status: 'runner-lost' });
    await eventually(async () => (await fx.containersOf(runId)).length === 0, 'the lost runs containers to be reaped');
    const runs = await ferry(['runs', '--redis', fx.url], repo.dir);
    expect(runs.stdout).toMatch(new RegExp(`${runId}\\s+runner-lost`));
    await Promise.all([addRunner(), addRunner()]);
  });

  it('ferry cancel stops a running pipeline within seconds and removes its containers', async () => {
    const { runId } = await fx.queue.enqueue({ repo: repoUrl(), sha, pipeline: 'long.yml' });
    runIds.push(runId);
    await waitUntilStepRunning(runId, 1);
    const started = Date.now();
    const cancel = await ferry(['cancel', runId, '--redis', fx.url], repo.dir);
    expect(cancel.exitCode, cancel.all).toBe(0);
    expect(cancel.stdout).toContain(`run ${runId} cancelled`);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await fx.queue.get(runId)).toMatchObject({ status: 'cancelled', attempt: 1 });
    expect(await fx.containersOf(runId)).toEqual([]);
    const types = (await fx.entries(runId)).map((entry) => entry.event.type);
    expect(types).toContain('run.finished');
    expect(types.at(-1)).toBe('run.result');
  });

  it('on SIGTERM a run still going after the grace period is cancelled, its containers removed, and the runner exits 0', async () => {
    const brief = await spawnRunner({ redisUrl: fx.url, name: 'brief', labels: 'brief', grace: '1s', lease });
    const { runId } = await fx.queue.enqueue({ repo: repoUrl(), sha, pipeline: 'long.yml', labels: ['brief'] });
    runIds.push(runId);
    await waitUntilStepRunning(runId, 1);
    brief.child.kill('SIGTERM');
    expect(await brief.exited).toEqual({ code: 0, signal: null });
    expect(await fx.queue.get(runId)).toMatchObject({
      status: 'cancelled',
      runner: 'brief',
      reason: 'runner brief shut down before the run finished',
    });
    expect(await fx.containersOf(runId)).toEqual([]);
    expect(brief.output()).toMatch(/cancelling 1 run\(s\) still going after the grace period/);
  });

  it('ferry cancel removes a queued run before any runner takes it', async () => {
    const { runId } = await fx.queue.enqueue({ repo: repoUrl(), sha, labels: ['gpu'] });
    const cancel = await ferry(['cancel', runId, '--redis', fx.url], repo.dir);
    expect(cancel.exitCode, cancel.all).toBe(0);
    expect(cancel.stdout).toContain('cancelled (it had not started)');
    expect(await fx.queue.get(runId)).toMatchObject({ status: 'cancelled', attempt: 0 });
    expect(await fx.redis.exists(`ferry:q:runs.gpu:${runId}`)).toBe(0);
    const again = await ferry(['cancel', runId, '--redis', fx.url], repo.dir);
    expect(again.stdout).toContain('already finished: cancelled');
    const missing = await ferry(['cancel', 'no-such-run', '--redis', fx.url], repo.dir);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/QUEUE_RUN_NOT_FOUND/);
  });

  it('retries an infrastructure failure (clone failed) with backoff, then ends in error', async () => {
    const { runId } = await fx.queue.enqueue({ repo: 'file:///nonexistent/ferry-repo.git', sha });
    const record = await fx.waitForRun(runId, { timeoutMs: 20_000 });
    expect(record).toMatchObject({ status: 'error', attempt: 3 });
    expect(record.reason).toMatch(/^RUNNER_CLONE_FAILED: cannot clone .* \(gave up after 3 attempts\)$/);
    const failed = (await fx.entries(runId))
      .filter((entry) => entry.event.type === 'attempt.failed')
      .map((entry) => entry.event as { retryInMs?: number });
    expect(failed.map((event) => event.retryInMs)).toEqual([200, 400, undefined]);
  });

  it('retries when the Docker engine is unreachable, then ends in error', async () => {
    await spawnRunner({
      redisUrl: fx.url,
      name: 'no-docker',
      labels: 'no-docker',
      lease,
      env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
    });
    const { runId } = await fx.queue.enqueue({ repo: repoUrl(), sha, labels: ['no-docker'] });
    const record = await fx.waitForRun(runId, { timeoutMs: 20_000 });
    expect(record).toMatchObject({ status: 'error', attempt: 3, runner: 'no-docker' });
    expect(record.reason).toMatch(/^RUNNER_DOCKER_UNAVAILABLE: the Docker engine is unreachable/);
  });

  it('a pipeline that cannot run as asked is an error at once, not retried', async () => {
    const { runId } = await fx.queue.enqueue({ repo: repoUrl(), sha, pipeline: 'missing.yml' });
    const record = await fx.waitForRun(runId, { timeoutMs: 20_000 });
    expect(record).toMatchObject({ status: 'error', attempt: 1 });
    expect(record.reason).toMatch(/^RUNNER_PIPELINE_INVALID: .*missing\.yml/);
  });
});
