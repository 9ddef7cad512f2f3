import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { redisKeys } from '../../packages/runner/src/index.js';
import { StatusReporter, type StatusSettings } from '../../packages/runner/src/status/status-reporter.js';
import { ForgeStatusServer, type ForgeKind } from '../helpers/forge-status-server.js';
import { openQueueFixture, redisUrlFor, type QueueFixture } from '../setup/queue-fixtures.js';

// The status reporter over a real Redis (database 12) and real HTTP to local forges that check what the forges'
// docs require. Runs are queued for real; their records are then moved through the states a runner writes.
let fx: QueueFixture;
const forges: Record<ForgeKind, ForgeStatusServer> = {
  github: new ForgeStatusServer('github', 'ghp-Status-0001'),
  gitlab: new ForgeStatusServer('gitlab', 'glpat-Status-0002'),
  gitea: new ForgeStatusServer('gitea', 'gitea-Status-0003'),
};
const logs: string[] = [];
const reporters: StatusReporter[] = [];
let settings: StatusSettings;
let sequence = 0;

beforeAll(async () => {
  fx = await openQueueFixture(redisUrlFor(12));
  for (const server of Object.values(forges)) await server.start();
  settings = {
    publicUrl: 'http://ferry.test:8080',
    forges: {
      github: { api: forges.github.url, token: forges.github.token },
      gitlab: { api: forges.gitlab.url, token: forges.gitlab.token },
      gitea: { api: forges.gitea.url, token: forges.gitea.token },
    },
    repositories: [{ forge: 'github', name: 'acme/quiet', status: false }],
  };
});

afterEach(async () => {
  await Promise.all(reporters.splice(0).map((reporter) => reporter.close()));
});

afterAll(async () => {
  for (const server of Object.values(forges)) await server.stop();
  await fx?.close();
});

function reporter(patch: Partial<StatusSettings> = {}): StatusReporter {
  const made = new StatusReporter({
    redis: fx.redis,
    connection: () => new Redis(fx.url, { maxRetriesPerRequest: null }),
    settings: { ...settings, ...patch },
    log: (line) => logs.push(line),
    pollMs: 50,
    backoffMs: 100,
  });
  made.start();
  reporters.push(made);
  return made;
}

async function queuedRun(): Promise<{ runId: string; sha: string }> {
  sequence += 1;
  const sha = sequence.toString(16).padStart(40, 'a');
  const result = await fx.queue.enqueue({ repo: 'https://forge.test/acme/shop.git', sha, pipeline: 'ci.yml' });
  // No runner serves this queue: the test writes what a runner would.
  return { runId: result.runId, sha };
}

async function setStatus(runId: string, fields: Record<string, string>): Promise<void> {
  await fx.redis.hset(redisKeys.run(runId), fields);
}

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; log:\n${logs.join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('GitHub check runs (a GitHub App token)', () => {
  it('creates one check run per run and moves it queued → in_progress → completed/success, or to failure', async () => {
    const app = { api: forges.github.url, token: forges.github.token, checks: true };
    const statuses = reporter({ forges: { ...settings.forges, github: app } });
    const good = await queuedRun();
    const bad = await queuedRun();
    for (const run of [good, bad])
      await statuses.track(run.runId, { forge: 'github', repo: 'acme/shop', sha: run.sha, pipeline: 'ci.yml' });
    await until('queued', () => forges.github.checkStatesOf(good.sha).length === 1);
    await setStatus(good.runId, { status: 'running', runner: 'r1', startedAt: String(Date.now()) });
    await setStatus(bad.runId, { status: 'running', runner: 'r1', startedAt: String(Date.now()) });
    await until('running', () => forges.github.checkStatesOf(good.sha)[0]?.length === 2);
    await setStatus(good.runId, { status: 'success', durationMs: '1234' });
    await setStatus(bad.runId, { status: 'failed', durationMs: '900', jobs: JSON.stringify({ test: 'failed' }) });
    await until('completed', () =>
      [good.sha, bad.sha].every((sha) => forges.github.checkStatesOf(sha)[0]?.at(-1)?.startsWith('completed')),
    );
    expect(forges.github.checkStatesOf(good.sha)).toEqual([['queued', 'in_progress', 'completed/success']]);
    expect(forges.github.checkStatesOf(bad.sha)).toEqual([['queued', 'in_progress', 'completed/failure']]);
    const run = [...forges.github.checkRuns.values()].find((r) => r.headSha === bad.sha);
    expect(run).toMatchObject({ repo: 'acme/shop', name: 'ferry/ci' });
    expect(run?.bodies.at(-1)).toMatchObject({
      external_id: bad.runId,
      details_url: `http://ferry.test:8080/runs/${bad.runId}`,
      output: { title: 'failed: test in 0.9s', summary: 'failed: test in 0.9s' },
    });
    // No commit status besides: the check run is the report.
    expect(forges.github.statesOf(good.sha)).toEqual([]);
    expect(logs.join('\n')).not.toContain(forges.github.token);
  });
});

describe('commit statuses', () => {
  it.each([
    ['github', 'acme/shop', ['pending', 'pending', 'success']],
    ['gitlab', 'acme/platform/shop', ['pending', 'running', 'success']],
    ['gitea', 'acme/shop', ['pending', 'pending', 'success']],
  ] as const)('posts queued → running → success to %s as its API documents it', async (forge, repo, expected) => {
    const statuses = reporter();
    const { runId, sha } = await queuedRun();
    expect(await statuses.track(runId, { forge, repo, sha, pipeline: 'ci.yml' })).toBe(true);
    await until('pending', () => forges[forge].statesOf(sha).length === 1);
    await setStatus(runId, { status: 'running', runner: 'r1', startedAt: String(Date.now()) });
    await until('running', () => forges[forge].statesOf(sha).length === 2);
    await setStatus(runId, { status: 'success', durationMs: '1234', finishedAt: String(Date.now()) });
    await until('success', () => forges[forge].statesOf(sha).length === 3);
    expect(forges[forge].statesOf(sha)).toEqual(expected);
    const last = forges[forge].received.filter((r) => r.sha === sha).at(-1);
    expect(last?.repo).toBe(repo);
    expect(last?.body).toMatchObject({
      description: 'passed in 1.2s',
      target_url: `http://ferry.test:8080/runs/${runId}`,
      [forge === 'gitlab' ? 'name' : 'context']: 'ferry/ci',
    });
    expect(await fx.redis.sismember('ferry:statuses:open', runId)).toBe(0);
  });

  it('names the failed jobs in a failure, and maps cancelled and error to each forge', async () => {
    const statuses = reporter();
    const failed = await queuedRun();
    await statuses.track(failed.runId, { forge: 'github', repo: 'acme/shop', sha: failed.sha });
    await until('pending', () => forges.github.statesOf(failed.sha).length === 1);
    await setStatus(failed.runId, {
      status: 'failed',
      durationMs: '2000',
      jobs: JSON.stringify({ build: 'success', test: 'failed', lint: 'failed' }),
    });
    await until('failure', () => forges.github.statesOf(failed.sha).length === 2);
    expect(forges.github.received.at(-1)?.body).toMatchObject({
      state: 'failure',
      description: 'failed: test, lint in 2.0s',
      context: 'ferry/ferry',
    });
    const cancelled = await queuedRun();
    await statuses.track(cancelled.runId, { forge: 'gitlab', repo: 'acme/shop', sha: cancelled.sha });
    await until('pending', () => forges.gitlab.statesOf(cancelled.sha).length === 1);
    await setStatus(cancelled.runId, { status: 'cancelled' });
    await until('canceled', () => forges.gitlab.statesOf(cancelled.sha).length === 2);
    expect(forges.gitlab.statesOf(cancelled.sha)).toEqual(['pending', 'canceled']);
  });

  it('retries a 5xx with backoff until the forge takes it, and never lets a late pending overwrite the outcome', async () => {
    const statuses = reporter();
    const { runId, sha } = await queuedRun();
    forges.github.failNext(502, 503);
    await statuses.track(runId, { forge: 'github', repo: 'acme/shop', sha });
    await setStatus(runId, { status: 'success', durationMs: '10' });
    await until('the outcome', () => forges.github.statesOf(sha).includes('success'));
    await new Promise((resolve) => setTimeout(resolve, 600)); // the retried pending has had its chance
    expect(forges.github.statesOf(sha).at(-1)).toBe('success');
    expect(logs.some((line) => line.includes(`run ${runId}`) && /answered 50[23].*retrying/.test(line))).toBe(true);
  });

  it('logs a 4xx with the forge reason and does not retry it', async () => {
    const statuses = reporter({
      forges: { github: { api: forges.github.url, token: 'a-revoked-token' } },
    });
    const { runId, sha } = await queuedRun();
    const before = forges.github.requests.length;
    await statuses.track(runId, { forge: 'github', repo: 'acme/shop', sha });
    await until('the refusal', () => logs.some((line) => line.includes(`run ${runId}`) && line.includes('refused')));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(forges.github.requests.length - before).toBe(1);
    const line = logs.find((l) => l.includes(`run ${runId}`) && l.includes('refused'));
    expect(line).toMatch(/the forge refused it: 401 Bad credentials; not retried/);
    expect(logs.join('\n')).not.toContain('a-revoked-token');
  });

  it('survives a restart of the server: a status queued while the forge was away is delivered after it', async () => {
    const first = reporter();
    const { runId, sha } = await queuedRun();
    const port = Number(new URL(forges.github.url).port);
    await forges.github.stop();
    await first.track(runId, { forge: 'github', repo: 'acme/shop', sha });
    await setStatus(runId, { status: 'failed', jobs: JSON.stringify({ test: 'failed' }) });
    // The outcome is queued (the run is no longer followed), but the forge cannot be reached.
    await until('the outcome queued', () =>
      logs.some((line) => line.includes(`run ${runId}`) && line.includes('unreachable')),
    );
    for (let i = 0; i < 100 && (await fx.redis.sismember('ferry:statuses:open', runId)) === 1; i++)
      await new Promise((resolve) => setTimeout(resolve, 25));
    expect(await fx.redis.sismember('ferry:statuses:open', runId)).toBe(0);
    await first.close();
    reporters.splice(reporters.indexOf(first), 1);
    await forges.github.start(port);
    reporter();
    await until('the outcome after the restart', () => forges.github.statesOf(sha).includes('failure'), 20_000);
    expect(forges.github.statesOf(sha).at(-1)).toBe('failure');
  });

  it('does not follow repositories without statuses', async () => {
    const statuses = reporter();
    const { runId, sha } = await queuedRun();
    expect(await statuses.track(runId, { forge: 'github', repo: 'acme/quiet', sha })).toBe(false);
    expect(await fx.redis.sismember('ferry:statuses:open', runId)).toBe(0);
  });
});
