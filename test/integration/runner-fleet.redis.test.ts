import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTempGitRepo, type TempGitRepo } from '../helpers/temp-git-repo.js';
import { ferry } from '../helpers/ferry-cli.js';
import { eventually, openQueueFixture, redisUrlFor, type QueueFixture } from '../setup/queue-fixtures.js';
import { killAllRunners, spawnRunner, type RunnerProcess } from '../setup/runner-process.js';

// Two runner daemons (real child processes) on one queue, real git repositories over file://.
const secret = 's3cr3t-Value-4711';
let fx: QueueFixture;
let repo: TempGitRepo;
let sha: string;
let alpha: RunnerProcess;
const runIds: string[] = [];

beforeAll(async () => {
  fx = await openQueueFixture(redisUrlFor(2));
  repo = await createTempGitRepo({
    'ferry.yml':
      'name: fleet\njobs:\n  hello:\n    image: ferry/busybox:1\n    steps:\n      - run: echo "hello $FERRY_RUN_ID"\n',
    'fail.yml':
      'name: fails\njobs:\n  broken:\n    image: ferry/busybox:1\n    steps:\n      - run: echo about to fail; exit 3\n',
    'secret.yml':
      'name: secret\njobs:\n  uses-secret:\n    image: ferry/busybox:1\n    secrets: [FERRY_TEST_TOKEN]\n    steps:\n      - run: echo "token=$FERRY_TEST_TOKEN len=${#FERRY_TEST_TOKEN}"\n',
    'slow.yml':
      'name: slow\njobs:\n  nap:\n    image: ferry/busybox:1\n    steps:\n      - run: sleep 2; echo rested\n',
  });
  sha = await repo.git('rev-parse', 'HEAD');
  // alpha alone has the label "alpha": runs needing it can only go there.
  [alpha] = await Promise.all([
    spawnRunner({
      redisUrl: fx.url,
      name: 'alpha',
      labels: 'docker,linux,alpha',
      concurrency: 3,
      env: { FERRY_TEST_TOKEN: secret },
    }),
    spawnRunner({
      redisUrl: fx.url,
      name: 'beta',
      labels: 'docker,linux',
      concurrency: 3,
      env: { FERRY_TEST_TOKEN: secret },
    }),
  ]);
});

afterAll(async () => {
  await killAllRunners();
  if (fx) expect(await fx.leftoversOf(runIds)).toEqual([]);
  await fx?.close();
  await repo?.cleanup();
});

const repoUrl = () => `file://${repo.dir}`;

describe('a fleet of runners on one queue', () => {
  it('shares 40 queued runs between two runners, and runs each exactly once', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 40; i += 1) {
      const result = await fx.queue.enqueue(
        { repo: repoUrl(), sha, ref: 'refs/heads/main', labels: ['docker'] },
        { key: `fleet-${i}` },
      );
      ids.push(result.runId);
    }
    runIds.push(...ids);
    const records = await Promise.all(ids.map((id) => fx.waitForRun(id, { timeoutMs: 120_000 })));
    expect(records.map((record) => record.status)).toEqual(ids.map(() => 'success'));
    expect(records.every((record) => record.attempt === 1 && record.lost === 0)).toBe(true);
    const byRunner = {
      alpha: records.filter((r) => r.runner === 'alpha').length,
      beta: records.filter((r) => r.runner === 'beta').length,
    };
    expect(byRunner.alpha + byRunner.beta).toBe(40);
    expect(byRunner.alpha).toBeGreaterThan(0);
    expect(byRunner.beta).toBeGreaterThan(0);
    for (const id of ids) {
      const types = (await fx.entries(id)).map((entry) => entry.event.type);
      // One attempt, one pipeline run, one result: nothing ran twice.
      expect(types.filter((type) => type === 'attempt.started')).toHaveLength(1);
      expect(types.filter((type) => type === 'run.started')).toHaveLength(1);
      expect(types.filter((type) => type === 'run.finished')).toHaveLength(1);
      expect(types.at(-1)).toBe('run.result');
    }
    // The claim appends attempt.started in the same script: the entry is the one an XADD of the event would make.
    const [first] = await fx.redis.xrange(`ferry:run:${ids[0]}:events`, '-', '+', 'COUNT', 1);
    const claimed = records[0] as (typeof records)[number];
    expect(first?.[1]).toEqual([
      'a',
      '1',
      'e',
      JSON.stringify({
        type: 'attempt.started',
        attempt: 1,
        runner: claimed.runner,
        waitedMs: Math.max(0, (claimed.startedAt ?? 0) - claimed.enqueuedAt),
        time: claimed.startedAt,
        runId: ids[0],
      }),
    ]);
    const counts = await fx.redis.zcard('ferry:q:runs.docker:completed');
    expect(counts).toBe(40);
    // 40 real runs: 55-60 s on a loaded 2-core machine (once over the default 60 s).
  }, 120_000);

  it('queues a request once however often it is enqueued with the same key', async () => {
    const first = await fx.queue.enqueue({ repo: repoUrl(), sha, labels: ['docker'] }, { key: 'delivery-7f3a' });
    const again = await fx.queue.enqueue({ repo: repoUrl(), sha, labels: ['docker'] }, { key: 'delivery-7f3a' });
    const cli = await ferry(
      ['enqueue', '--redis', fx.url, '--repo', repoUrl(), '--sha', sha, '--labels', 'docker', '--key', 'delivery-7f3a'],
      repo.dir,
    );
    runIds.push(first.runId);
    expect(first.created).toBe(true);
    expect(again).toMatchObject({ runId: first.runId, created: false });
    expect(cli.exitCode).toBe(0);
    expect(cli.stdout.trim()).toBe(first.runId);
    await fx.waitForRun(first.runId);
    const types = (await fx.entries(first.runId)).map((entry) => entry.event.type);
    expect(types.filter((type) => type === 'run.started')).toHaveLength(1);
  });

  it('ferry enqueue --wait follows the run and exits 0 on success, 1 on a failing pipeline (a result, not retried)', async () => {
    const ok = await ferry(
      [
        'enqueue',
        '--redis',
        fx.url,
        '--repo',
        repoUrl(),
        '--sha',
        sha,
        '--ref',
        'refs/heads/main',
        '--labels',
        'docker',
        '--wait',
      ],
      repo.dir,
    );
    expect(ok.exitCode, ok.all).toBe(0);
    expect(ok.stdout).toMatch(/\[hello\/1\] hello \S+/);
    expect(ok.stdout).toMatch(/run \S+ success$/m);
    runIds.push(ok.stdout.split('\n')[0] as string);

    const bad = await ferry(
      ['enqueue', '--redis', fx.url, '--repo', repoUrl(), '--sha', sha, '--pipeline', 'fail.yml', '--wait'],
      repo.dir,
    );
    expect(bad.exitCode, bad.all).toBe(1);
    const badId = bad.stdout.split('\n')[0] as string;
    runIds.push(badId);
    expect(bad.stdout).toContain('about to fail');
    const record = await fx.queue.get(badId);
    expect(record).toMatchObject({ status: 'failed', attempt: 1, jobs: { broken: 'failed' } });
  });

  it('masks secrets in everything it writes to Redis, and withholds them from runs that may not have them', async () => {
    const trusted = await fx.queue.enqueue({ repo: repoUrl(), sha, pipeline: 'secret.yml' });
    const untrusted = await fx.queue.enqueue({
      repo: repoUrl(),
      sha,
      pipeline: 'secret.yml',
      trigger: 'pull_request',
      secrets: false,
    });
    runIds.push(trusted.runId, untrusted.runId);
    expect((await fx.waitForRun(trusted.runId)).status).toBe('success');
    expect((await fx.waitForRun(untrusted.runId)).status).toBe('success');
    const lines = async (id: string) =>
      (await fx.entries(id)).flatMap((entry) => (entry.event.type === 'step.log' ? [entry.event.line] : []));
    expect(await lines(trusted.runId)).toContain(`token=*** len=${secret.length}`);
    expect(await lines(untrusted.runId)).toContain('token= len=0');

    // Nothing in the database holds the value: not the streams, not the records, not BullMQ's jobs.
    const dump: string[] = [];
    for (const key of await fx.redis.keys('*')) {
      const type = await fx.redis.type(key);
      if (type === 'stream') dump.push(JSON.stringify(await fx.redis.xrange(key, '-', '+')));
      else if (type === 'hash') dump.push(JSON.stringify(await fx.redis.hgetall(key)));
      else if (type === 'string') dump.push((await fx.redis.get(key)) ?? '');
      else if (type === 'list') dump.push(JSON.stringify(await fx.redis.lrange(key, 0, -1)));
    }
    expect(dump.join('\n')).not.toContain(secret);
  });

  it('lists live runners with their labels, and serves /healthz and Prometheus /metrics', async () => {
    const listed = await ferry(['runners', '--redis', fx.url, '--json'], repo.dir);
    expect(listed.exitCode, listed.all).toBe(0);
    const runners = JSON.parse(listed.stdout) as {
      id: string;
      labels: string[];
      concurrency: number;
      httpUrl: string;
    }[];
    expect(runners.map((runner) => [runner.id, runner.labels, runner.concurrency])).toEqual([
      ['alpha', ['alpha', 'docker', 'linux'], 3],
      ['beta', ['docker', 'linux'], 3],
    ]);
    const url = await alpha.httpUrl();
    expect(runners[0]?.httpUrl).toBe(url);
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true, id: 'alpha', redis: 'up', draining: false });
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/^ferry_runner_runs_finished_total\{status="success"\} \d+$/m);
    expect(metrics).toMatch(/^ferry_runner_queue_wait_seconds_count \d+$/m);
    expect(metrics).toMatch(/^ferry_runner_phase_duration_seconds_count\{phase="clone"\} \d+$/m);
    expect(metrics).toMatch(/^ferry_runner_stage_duration_seconds_count\{stage="[^"]+"\} \d+$/m);

    const runs = await ferry(['runs', '--redis', fx.url], repo.dir);
    expect(runs.exitCode, runs.all).toBe(0);
    expect(runs.stdout).toMatch(/^RUN\s+STATUS\s+RUNNER/);
    expect(runs.stdout).toMatch(/ failed +(alpha|beta) /);
  });

  it('on SIGTERM a runner takes no new runs, finishes the current one, and exits 0', async () => {
    const current = await fx.queue.enqueue({ repo: repoUrl(), sha, pipeline: 'slow.yml', labels: ['alpha'] });
    runIds.push(current.runId);
    await fx.waitForRun(current.runId, { until: (record) => record.status === 'running' });
    alpha.child.kill('SIGTERM');
    await alpha.waitForLine(/draining/);
    const later = await fx.queue.enqueue({ repo: repoUrl(), sha, labels: ['alpha'] });
    expect(await alpha.exited).toEqual({ code: 0, signal: null });
    // Finished runs' directories go in batches, after the runs (RunDirTrash): the stop removed the last ones.
    expect(await readdir(path.join(alpha.workdir, 'runs'))).toEqual([]);
    expect(await fx.queue.get(current.runId)).toMatchObject({ status: 'success', runner: 'alpha' });
    expect(await fx.queue.get(later.runId)).toMatchObject({ status: 'queued' });
    expect(
      await eventually(
        async () => (await fx.queue.runners()).map((runner) => runner.id).join(',') === 'beta',
        'alpha to leave the runner list',
      ),
    ).toBe(true);
    expect(await fx.queue.cancel(later.runId)).toEqual({ outcome: 'cancelled' });
  });
});
