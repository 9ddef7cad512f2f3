import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ferry } from '../helpers/ferry-cli.js';
import { createTempGitRepo, type TempGitRepo } from '../helpers/temp-git-repo.js';
import { eventually, openQueueFixture, type QueueFixture } from '../setup/queue-fixtures.js';
import { startRedisServer, type RedisServer } from '../setup/redis-server.js';
import { killAllRunners, spawnRunner, type RunnerProcess } from '../setup/runner-process.js';

// A Redis of its own (the shared one must stay up for the other files), persisted like a production queue's:
// an append-only file, so that a restart keeps the queue.
let server: RedisServer;
let fx: QueueFixture;
let repo: TempGitRepo;
let runner: RunnerProcess;
let runId: string | undefined;
let volatileRunId: string | undefined;
let followedRunId: string | undefined;

beforeAll(async () => {
  server = await startRedisServer({ persist: true });
  fx = await openQueueFixture(server.url);
  fx.redis.on('error', () => undefined);
  repo = await createTempGitRepo({
    'ferry.yml':
      'name: outage\njobs:\n  nap:\n    image: ferry/busybox:1\n    steps:\n      - run: echo start; sleep 4; echo done after the outage\n      - run: echo second step\n',
  });
  runner = await spawnRunner({ redisUrl: server.url, name: 'steady', lease: '10s' });
});

afterAll(async () => {
  await killAllRunners();
  if (fx)
    expect(
      await fx.leftoversOf([runId, volatileRunId, followedRunId].filter((id): id is string => id !== undefined)),
    ).toEqual([]);
  await fx?.close();
  await server?.destroy();
  await repo?.cleanup();
});

describe('a Redis restart in the middle of a run', () => {
  it('loses no result: the runner keeps its run going and reports it once Redis is back', async () => {
    const sha = await repo.git('rev-parse', 'HEAD');
    ({ runId } = await fx.queue.enqueue({ repo: `file://${repo.dir}`, sha, labels: ['docker'] }));
    const id = runId;
    await eventually(
      async () => (await fx.entries(id)).some((entry) => entry.event.type === 'step.started'),
      'the first step to start',
    );

    await server.stop();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await server.start();
    await runner.waitForLine(/redis: connected again/);

    const record = await fx.waitForRun(id, { timeoutMs: 30_000 });
    expect(record).toMatchObject({ status: 'success', attempt: 1, lost: 0, runner: 'steady' });
    const entries = await fx.entries(id);
    const engineEvents = entries
      .map((entry) => entry.event)
      .filter((event): event is typeof event & { seq: number } => 'seq' in event);
    // Every event of the attempt arrived, in order, none twice: the outage delayed them, nothing more.
    expect(engineEvents.map((event) => event.seq)).toEqual(engineEvents.map((_, i) => i + 1));
    expect(engineEvents.flatMap((event) => (event.type === 'step.log' ? [event.line] : []))).toEqual([
      'start',
      'done after the outage',
      'second step',
    ]);
    expect(entries.at(-1)?.event).toMatchObject({ type: 'run.result', status: 'success' });
    expect(runner.output()).toMatch(/redis: connection lost/);
  });

  it('ferry enqueue --wait follows the run through the restart: it says so, resumes, and prints every line once', async () => {
    const sha = await repo.git('rev-parse', 'HEAD');
    const follower = ferry(
      ['enqueue', '--redis', server.url, '--repo', `file://${repo.dir}`, '--sha', sha, '--labels', 'docker', '--wait'],
      repo.dir,
    );
    let printed = '';
    follower.all?.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    await eventually(async () => Promise.resolve(printed.includes('[nap/1] start\n')), 'the first step to print');
    followedRunId = /run (\S+): attempt/.exec(printed)?.[1];
    await server.stop();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await server.start();
    const result = await follower;
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stderr).toContain('redis: connection lost, retrying');
    expect(result.stderr).toContain('redis: connected again; resuming');
    expect(result.all).not.toContain('internal error');
    // Resumed after the last event shown: each line once, the one printed before the outage too.
    const lines = result.all.split('\n');
    expect(lines.filter((line) => line === '[nap/1] start')).toHaveLength(1);
    expect(lines.filter((line) => line === '[nap/1] done after the outage')).toHaveLength(1);
    expect(lines.filter((line) => line === '[nap/2] second step')).toHaveLength(1);
  });

  it('even a Redis that forgets everything in a restart gets the result of the run that was going on', async () => {
    const volatile = await startRedisServer();
    const vfx = await openQueueFixture(volatile.url);
    vfx.redis.on('error', () => undefined);
    try {
      const steady = await spawnRunner({ redisUrl: volatile.url, name: 'volatile', lease: '3s' });
      const sha = await repo.git('rev-parse', 'HEAD');
      const { runId: id } = await vfx.queue.enqueue({ repo: `file://${repo.dir}`, sha, labels: ['docker'] });
      volatileRunId = id;
      await eventually(
        async () => (await vfx.entries(id)).some((entry) => entry.event.type === 'step.started'),
        'the first step to start',
      );
      await volatile.stop();
      await volatile.start();
      await steady.waitForLine(/redis: connected again/);
      expect(await vfx.redis.exists(`ferry:run:${id}`)).toBe(0);

      const record = await vfx.waitForRun(id, { timeoutMs: 30_000 });
      expect(record).toMatchObject({ status: 'success', runner: 'volatile', repo: `file://${repo.dir}`, sha });
      expect((await vfx.entries(id)).at(-1)?.event).toMatchObject({ type: 'run.result', status: 'success' });
    } finally {
      await vfx.close();
      await volatile.destroy();
    }
  });
});
