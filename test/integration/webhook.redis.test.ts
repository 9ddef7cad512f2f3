import { request as httpRequest } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { type Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiToken, redisKeys } from '../../packages/runner/src/index.js';
import { encodeStreamEntry } from '../../packages/runner/src/queue/stream-entry.js';
import { createServeApp } from '../../packages/runner/src/serve/create-serve-app.js';
import { openServeRedis } from '../../packages/runner/src/serve/open-serve-redis.js';
import { ServeMetrics } from '../../packages/runner/src/serve/serve-metrics.js';
import { GitPipelineSource } from '../../packages/runner/src/webhook/git-pipeline-source.js';
import { createTempGitRepo, type TempGitRepo } from '../helpers/temp-git-repo.js';
import { openQueueFixture, redisUrlFor, type QueueFixture } from '../setup/queue-fixtures.js';
import { deliveryOf, githubPush, loadFixture, type Delivery } from '../unit/webhook/deliveries.js';

// The webhook server in-process, over a real Redis (database 6), real git repositories and real HTTP.
const secrets = {
  github: 'gh-Secret-0451',
  gitlab: 'gl-Token-7733',
  gitea: 'gt-Secret-1906',
  api: 'api-Token-5150',
  reader: 'read-Token-2231',
  bot: 'bot-Token-8812',
  generic: 'generic-Secret-4410',
};
const pipeline = `name: hooks
on:
  push: { branches: [main, "release/*"], tags: ["v*"], pathsIgnore: ["docs/**"] }
  pull_request: { branches: [main] }
  manual: {}
jobs:
  hello:
    image: ferry/busybox:1
    steps:
      - run: echo hello
`;

let fx: QueueFixture;
let repo: TempGitRepo;
let workdir: string;
let app: FastifyInstance;
let base: string;
let redis: Redis;
const logs: string[] = [];
const sha: Record<'main' | 'docs' | 'feature' | 'fork', string> = { main: '', docs: '', feature: '', fork: '' };

beforeAll(async () => {
  fx = await openQueueFixture(redisUrlFor(6));
  repo = await createTempGitRepo({ 'ferry.yml': pipeline, 'src/app.txt': 'v1\n' });
  sha.main = await repo.git('rev-parse', 'HEAD');
  await repo.write({ 'docs/guide.md': '# guide\n' });
  await repo.commit('docs only');
  sha.docs = await repo.git('rev-parse', 'HEAD');
  await repo.git('checkout', '--quiet', '-b', 'feature/x');
  await repo.write({ 'src/app.txt': 'v2\n' });
  await repo.commit('feature');
  sha.feature = await repo.git('rev-parse', 'HEAD');
  // A fork's commit, reachable in the upstream only as a pull request ref (as GitHub keeps refs/pull/N/head).
  await repo.git('checkout', '--quiet', '--detach', sha.main);
  await repo.write({ 'src/app.txt': 'from a fork\n' });
  await repo.commit('fork change');
  sha.fork = await repo.git('rev-parse', 'HEAD');
  await repo.git('update-ref', 'refs/pull/7/head', sha.fork);
  await repo.git('checkout', '--quiet', 'main');
  await repo.git('tag', 'v1.4.0', sha.main);

  workdir = await mkdtemp(path.join(tmpdir(), 'ferry-serve-'));
  redis = openServeRedis(fx.url);
  redis.on('error', () => undefined);
  const clone = `file://${repo.dir}`;
  app = await createServeApp(
    {
      redis,
      queue: fx.queue,
      blocking: () => {
        const connection = redis.duplicate();
        connection.on('error', () => undefined);
        return connection;
      },
      pipelines: new GitPipelineSource(path.join(workdir, 'mirrors')),
      metrics: new ServeMetrics(),
      log: (line) => logs.push(line),
    },
    {
      bodyLimit: 25 * 1024 * 1024,
      api: {
        publicReads: false,
        tokens: [
          apiToken('ops', ['admin'], { token: secrets.api }),
          apiToken('reader', ['read'], { token: secrets.reader }),
          apiToken('bot', ['trigger'], { token: secrets.bot }),
        ],
      },
      settings: {
        defaultSecrets: { generic: secrets.generic },
        labels: [],
        repositories: [
          { forge: 'github', name: 'acme/shop', secret: secrets.github, clone },
          { forge: 'gitlab', name: 'acme/platform/shop', secret: secrets.gitlab, clone },
          { forge: 'gitea', name: 'acme/shop', secret: secrets.gitea, clone },
        ],
      },
    },
  );
  base = await app.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await app?.close();
  redis?.disconnect();
  await fx?.close();
  await repo?.cleanup();
  if (workdir) await rm(workdir, { recursive: true, force: true });
});

async function post(
  forge: string,
  delivery: Pick<Delivery, 'headers' | 'body'>,
): Promise<{ status: number; body: Record<string, any> }> {
  const response = await fetch(`${base}/hooks/${forge}`, {
    method: 'POST',
    headers: delivery.headers,
    body: delivery.body,
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, any>) : {} };
}

const runCount = async () => (await fx.queue.list({ limit: 1000 })).length;

describe('POST /hooks/github', () => {
  it('queues a run at the pushed sha for a push to a matching branch', async () => {
    const delivery = deliveryOf(
      'github',
      'push',
      githubPush({ ref: 'refs/heads/main', sha: sha.main, paths: ['src/app.txt'] }),
      secrets.github,
    );
    const { status, body } = await post('github', delivery);
    expect(status).toBe(202);
    expect(body).toMatchObject({
      runId: `github-${delivery.id}`,
      status: 'queued',
      duplicate: false,
      trigger: 'push',
      sha: sha.main,
    });
    const record = await fx.queue.get(body.runId);
    expect(record).toMatchObject({
      status: 'queued',
      sha: sha.main,
      ref: 'refs/heads/main',
      repo: `file://${repo.dir}`,
      trigger: 'push',
      pipeline: 'ferry.yml',
      secrets: true,
      key: `github-${delivery.id}`,
    });
  });

  it('queues nothing for a push to an excluded branch, nor for one that only touches ignored paths', async () => {
    const before = await runCount();
    const feature = await post(
      'github',
      deliveryOf(
        'github',
        'push',
        githubPush({ ref: 'refs/heads/feature/x', sha: sha.feature, paths: ['src/app.txt'] }),
        secrets.github,
      ),
    );
    expect(feature).toEqual({
      status: 202,
      body: {
        ignored: true,
        reason: 'ferry.yml: branch "feature/x" matches none of on.push.branches [main, release/*]',
      },
    });
    const docs = await post(
      'github',
      deliveryOf(
        'github',
        'push',
        githubPush({ ref: 'refs/heads/main', sha: sha.docs, paths: ['docs/guide.md'] }),
        secrets.github,
      ),
    );
    expect(docs).toMatchObject({
      status: 202,
      body: {
        ignored: true,
        reason: expect.stringContaining('every changed path matches on.push.pathsIgnore [docs/**]'),
      },
    });
    expect(await runCount()).toBe(before);
  });

  it('asks git for the changed paths when the push does not list them', async () => {
    const payload = githubPush({ ref: 'refs/heads/main', sha: sha.docs, before: sha.main });
    payload.commits = [];
    const { body } = await post('github', deliveryOf('github', 'push', payload, secrets.github));
    expect(body).toMatchObject({ ignored: true, reason: expect.stringContaining('(changed: docs/guide.md)') });
  });

  it('answers 401 to a bad signature and queues nothing', async () => {
    const before = await runCount();
    const delivery = deliveryOf(
      'github',
      'push',
      githubPush({ ref: 'refs/heads/main', sha: sha.main }),
      'not-the-secret',
    );
    expect(await post('github', delivery)).toMatchObject({ status: 401, body: { error: 'WEBHOOK_UNAUTHORIZED' } });
    const tampered = deliveryOf(
      'github',
      'push',
      githubPush({ ref: 'refs/heads/main', sha: sha.main }),
      secrets.github,
    );
    expect(await post('github', { ...tampered, body: tampered.body.replace('"main"', '"mian"') })).toMatchObject({
      status: 401,
    });
    const unknown = deliveryOf(
      'github',
      'push',
      githubPush({ ref: 'refs/heads/main', sha: sha.main, repo: 'acme/unknown' }),
      secrets.github,
    );
    expect(await post('github', unknown)).toMatchObject({
      status: 401,
      body: { message: expect.stringContaining('acme/unknown') },
    });
    expect(await runCount()).toBe(before);
  });

  it('answers a redelivery with the same run id and queues one run', async () => {
    const delivery = deliveryOf(
      'github',
      'push',
      githubPush({ ref: 'refs/heads/release/2.0', sha: sha.main, paths: ['src/app.txt'] }),
      secrets.github,
    );
    const answers = await Promise.all([post('github', delivery), post('github', delivery), post('github', delivery)]);
    const again = await post('github', delivery);
    const ids = new Set([...answers, again].map((answer) => answer.body.runId));
    expect(ids).toEqual(new Set([`github-${delivery.id}`]));
    expect(again.body).toMatchObject({ duplicate: true });
    const runs = (await fx.queue.list({ limit: 1000 })).filter((run) => run.key === `github-${delivery.id}`);
    expect(runs).toHaveLength(1);
    // One BullMQ job, under the run id.
    expect(await fx.redis.exists(`ferry:q:runs:github-${delivery.id}`)).toBe(1);
    expect(
      (await fx.redis.lrange('ferry:q:runs:wait', 0, -1)).filter((id) => id === `github-${delivery.id}`),
    ).toHaveLength(1);
  });

  it('runs a pull request from a fork without secrets, at its head commit', async () => {
    const payload = loadFixture('github', 'pull_request-opened-fork');
    payload.pull_request.head.sha = sha.fork;
    payload.pull_request.base.sha = sha.main;
    const { status, body } = await post('github', deliveryOf('github', 'pull_request', payload, secrets.github));
    expect(status).toBe(202);
    expect(body).toMatchObject({ trigger: 'pull_request', secrets: false, sha: sha.fork, ref: 'refs/pull/7/head' });
    expect(await fx.queue.get(body.runId)).toMatchObject({
      secrets: false,
      sha: sha.fork,
      trigger: 'pull_request',
      ref: 'refs/pull/7/head',
    });
  });

  it('runs a tag push as a tag', async () => {
    const { body } = await post(
      'github',
      deliveryOf('github', 'push', githubPush({ ref: 'refs/tags/v1.4.0', sha: sha.main }), secrets.github),
    );
    expect(body).toMatchObject({ trigger: 'tag', ref: 'refs/tags/v1.4.0' });
  });

  it('answers a ping, ignores an unsupported event with the reason, and refuses malformed JSON', async () => {
    expect(
      await post('github', deliveryOf('github', 'ping', loadFixture('github', 'ping'), secrets.github)),
    ).toMatchObject({ status: 200, body: { pong: true } });
    expect(
      await post('github', deliveryOf('github', 'issues', loadFixture('github', 'issues-opened'), secrets.github)),
    ).toEqual({
      status: 202,
      body: { ignored: true, reason: 'GitHub event "issues" does not start runs (push and pull_request do)' },
    });
    expect(
      await post('github', deliveryOf('github', 'push', '{"repository": {"full_name": "acme/shop"', secrets.github)),
    ).toMatchObject({ status: 400, body: { error: 'WEBHOOK_MALFORMED' } });
  });

  it('answers 413 to a 30 MB body before the client has finished sending it', async () => {
    for (const chunked of [false, true]) {
      const result = await sendLarge(`${base}/hooks/github`, 30 * 1024 * 1024, chunked);
      expect(result.status).toBe(413);
      expect(result.body).toMatchObject({ error: 'WEBHOOK_BODY_TOO_LARGE' });
      // The answer came while the client was still sending: the server did not read the whole body.
      expect(result.sentWhenAnswered).toBeLessThan(30 * 1024 * 1024);
      expect(result.ms).toBeLessThan(5000);
    }
    // A Content-Length over the limit is refused before a byte of the body is read.
    const declared = await sendLarge(`${base}/hooks/github`, 30 * 1024 * 1024, false);
    expect(declared.sentWhenAnswered).toBeLessThan(8 * 1024 * 1024);
  });
});

describe('POST /hooks/gitlab and /hooks/gitea', () => {
  it('queues a GitLab Push Hook at its checkout_sha, checking X-Gitlab-Token', async () => {
    const payload = loadFixture('gitlab', 'push-hook');
    Object.assign(payload, { before: sha.main, after: sha.main, checkout_sha: sha.main });
    payload.commits[0].id = sha.main;
    payload.commits[0].modified = ['src/app.txt'];
    const delivery = deliveryOf('gitlab', 'Push Hook', payload, secrets.gitlab);
    const { status, body } = await post('gitlab', delivery);
    expect(status).toBe(202);
    expect(body).toMatchObject({ runId: `gitlab-${delivery.id}`, trigger: 'push', sha: sha.main });
    expect(
      await post('gitlab', { ...delivery, headers: { ...delivery.headers, 'x-gitlab-token': 'guess' } }),
    ).toMatchObject({ status: 401 });
  });

  it('queues a GitLab Tag Push Hook as a tag, and a merge request from a fork project without secrets', async () => {
    const tag = loadFixture('gitlab', 'tag-push-hook');
    tag.checkout_sha = sha.main;
    expect((await post('gitlab', deliveryOf('gitlab', 'Tag Push Hook', tag, secrets.gitlab))).body).toMatchObject({
      trigger: 'tag',
      sha: sha.main,
    });
    const mr = loadFixture('gitlab', 'merge-request-hook');
    mr.object_attributes.last_commit.id = sha.fork;
    const { body } = await post('gitlab', deliveryOf('gitlab', 'Merge Request Hook', mr, secrets.gitlab));
    expect(body).toMatchObject({
      trigger: 'pull_request',
      secrets: false,
      sha: sha.fork,
      ref: 'refs/merge-requests/1/head',
    });
  });

  it('queues a Gitea push with a valid X-Gitea-Signature, and refuses a wrong one', async () => {
    const payload = loadFixture('gitea', 'push');
    Object.assign(payload, { ref: 'refs/heads/main', before: sha.main, after: sha.main });
    payload.head_commit.id = sha.main;
    payload.commits[0].id = sha.main;
    const delivery = deliveryOf('gitea', 'push', payload, secrets.gitea);
    expect(await post('gitea', delivery)).toMatchObject({
      status: 202,
      body: { runId: `gitea-${delivery.id}`, sha: sha.main },
    });
    const forged = deliveryOf('gitea', 'push', payload, 'another');
    expect(await post('gitea', forged)).toMatchObject({ status: 401 });
  });
});

describe('event streams', () => {
  it('share one Redis connection however many there are, are capped with 503 + Retry-After, and close when idle', async () => {
    const streamApp = await createServeApp(
      {
        redis,
        queue: fx.queue,
        blocking: () => redis.duplicate({ connectionName: 'sse-hub-test' }),
        pipelines: new GitPipelineSource(path.join(workdir, 'mirrors-sse')),
        metrics: new ServeMetrics(),
        log: () => undefined,
      },
      {
        bodyLimit: 1024 * 1024,
        api: { publicReads: true, tokens: [] },
        settings: { defaultSecrets: {}, labels: [], repositories: [] },
        streams: { total: 60, perClient: 50, idleMs: 2000 },
      },
    );
    const streamBase = await streamApp.listen({ host: '127.0.0.1', port: 0 });
    const clients = async () =>
      String(await fx.redis.client('LIST'))
        .split('\n')
        .filter((line) => line.includes('name=sse-hub-test')).length;
    try {
      const { runId } = await fx.queue.enqueue({ repo: 'https://git.example.com/acme/sse.git', sha: 'a'.repeat(40) });
      expect(await clients()).toBe(0);
      const streams = Array.from({ length: 50 }, () => openEventStream(`${streamBase}/api/runs/${runId}/events`));
      await Promise.all(streams.map((stream) => stream.waitFor(() => true)));
      // 50 streams of one run: at most one more Redis connection (the shared XREAD), not 50.
      // Polled rather than read once after a fixed pause: a loaded machine may take longer to connect.
      await expect.poll(clients, { timeout: 5000 }).toBe(1);
      const over = await fetch(`${streamBase}/api/runs/${runId}/events`);
      expect(over.status).toBe(503);
      expect(over.headers.get('retry-after')).toBe('5');
      expect(await over.json()).toMatchObject({ error: 'API_STREAMS_FULL' });

      // A live event reaches every stream, once.
      await fx.redis.xadd(
        redisKeys.events(runId),
        '*',
        ...encodeStreamEntry(1, {
          type: 'attempt.started',
          attempt: 1,
          runner: 'r1',
          waitedMs: 1,
          time: Date.now(),
          runId,
        }),
      );
      await Promise.all(streams.map((stream) => stream.waitFor((events) => events.length >= 1)));
      // Idle streams (no event for 2 s) are closed; the client may come back with Last-Event-ID.
      const ended = await Promise.all(streams.map((stream) => stream.done));
      expect(ended.every((result) => result.ended && result.events.length === 1)).toBe(true);
      await expect.poll(clients, { timeout: 5000 }).toBe(0);
      expect(
        (
          await fetch(`${streamBase}/api/runs/${runId}/events`, { signal: AbortSignal.timeout(500) }).catch(
            () => undefined,
          )
        )?.status,
      ).toBe(200);
    } finally {
      await streamApp.close();
    }
  });
});

describe('clone URLs from payloads and API calls', () => {
  it('answers 400 at once to a transport other than https, http, ssh and git, and queues nothing', async () => {
    const before = await runCount();
    for (const cloneUrl of ['fd::3', 'ext::sh -c touch% /tmp/pwned', `file://${repo.dir}`, repo.dir]) {
      const payload = { ...loadFixture('generic', 'push'), repo: 'acme/elsewhere', cloneUrl };
      const started = Date.now();
      const answer = await post('generic', deliveryOf('generic', 'push', payload, secrets.generic));
      expect(answer.status, cloneUrl).toBe(400);
      expect(Date.now() - started, cloneUrl).toBeLessThan(2000);
      expect(answer.body.message, cloneUrl).toMatch(/transport|remote helper/);
    }
    const manual = await fetch(`${base}/api/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secrets.api}`, 'content-type': 'application/json' },
      body: JSON.stringify({ repo: `file://${repo.dir}`, ref: 'main' }),
    });
    expect(manual.status).toBe(400);
    expect(await manual.json()).toMatchObject({
      error: 'API_REQUEST_INVALID',
      message: expect.stringContaining('transport "file" is not allowed') as string,
    });
    expect(await runCount()).toBe(before);
  });
});

describe('the runs API', () => {
  const auth = { authorization: `Bearer ${secrets.api}`, 'content-type': 'application/json' };
  const reader = { authorization: `Bearer ${secrets.reader}` };

  it('wants a token with the scope of each call: 401 without one, 403 without the scope', async () => {
    for (const url of ['/api/runs', '/api/runs/x', '/api/runs/x/events']) {
      const anonymous = await fetch(`${base}${url}`);
      expect(anonymous.status, url).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toBe('Bearer scope="read"');
      expect(await anonymous.json()).toMatchObject({ error: 'API_UNAUTHORIZED' });
    }
    expect((await fetch(`${base}/api/runs`, { headers: { authorization: 'Bearer read-Token-223' } })).status).toBe(401);
    expect((await fetch(`${base}/api/runs`, { headers: reader })).status).toBe(200);
    const body = JSON.stringify({ repo: 'acme/shop', ref: 'main', key: 'scoped-1' });
    const json = { 'content-type': 'application/json' };
    const asReader = await fetch(`${base}/api/runs`, { method: 'POST', headers: { ...reader, ...json }, body });
    expect(asReader.status).toBe(403);
    expect(await asReader.json()).toEqual({
      error: 'API_FORBIDDEN',
      message: 'token "reader" lacks the "trigger" scope (it has read)',
    });
    const bot = { authorization: `Bearer ${secrets.bot}` };
    const triggered = await fetch(`${base}/api/runs`, { method: 'POST', headers: { ...bot, ...json }, body });
    expect(triggered.status).toBe(202);
    const { runId } = (await triggered.json()) as { runId: string };
    expect((await fetch(`${base}/api/runs/${runId}`, { headers: bot })).status).toBe(403);
    expect((await fetch(`${base}/api/runs/${runId}/cancel`, { method: 'POST', headers: bot })).status).toBe(403);
    expect((await fetch(`${base}/api/runs/${runId}/cancel`, { method: 'POST', headers: auth })).status).toBe(200);
    expect(logs.join('\n')).toContain(`api: manual run ${runId} of acme/shop refs/heads/main queued (token bot)`);
  });

  it('lists runs by repository and status, and shows one run', async () => {
    const listed = (await (
      await fetch(`${base}/api/runs?repo=${encodeURIComponent(`file://${repo.dir}`)}&status=queued&limit=500`, {
        headers: reader,
      })
    ).json()) as { runs: { id: string; sha: string; status: string }[] };
    expect(listed.runs.length).toBeGreaterThan(3);
    expect(listed.runs.every((run: { status: string }) => run.status === 'queued')).toBe(true);
    const first = listed.runs[0]!;
    expect(await (await fetch(`${base}/api/runs/${first.id}`, { headers: reader })).json()).toMatchObject({
      id: first.id,
      sha: first.sha,
    });
    const missing = await fetch(`${base}/api/runs/no-such-run`, { headers: reader });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: 'API_RUN_NOT_FOUND' });
    expect((await fetch(`${base}/api/runs?status=sleeping`, { headers: reader })).status).toBe(400);
  });

  it('queues a manual run of a branch with the bearer token only', async () => {
    const body = JSON.stringify({ repo: 'acme/shop', ref: 'main', key: 'deploy-7' });
    expect(
      (await fetch(`${base}/api/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }))
        .status,
    ).toBe(401);
    expect(
      (await fetch(`${base}/api/runs`, { method: 'POST', headers: { ...auth, authorization: 'Bearer nope' }, body }))
        .status,
    ).toBe(401);
    const created = await fetch(`${base}/api/runs`, { method: 'POST', headers: auth, body });
    expect(created.status).toBe(202);
    const answer = (await created.json()) as { runId: string };
    expect(answer).toMatchObject({ runId: 'manual-deploy-7', sha: sha.docs, ref: 'refs/heads/main', duplicate: false });
    expect(await fx.queue.get(answer.runId)).toMatchObject({ trigger: 'manual', sha: sha.docs });
    const bad = await fetch(`${base}/api/runs`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ repo: 'acme/shop', ref: 'no-such-branch' }),
    });
    expect(bad.status).toBe(400);
    for (const pipeline of ['../../../etc/passwd', '/etc/passwd', 'ci/../../x.yml', 'ci\\..\\x.yml']) {
      const outside = await fetch(`${base}/api/runs`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ repo: 'acme/shop', ref: 'main', pipeline }),
      });
      expect(outside.status, pipeline).toBe(400);
      expect(await outside.text()).toContain('expected a path inside the repository');
    }
  });

  it("streams a run's events as SSE: replays, follows live, ends with the result, and resumes from Last-Event-ID", async () => {
    const { body: queued } = await post(
      'github',
      deliveryOf('github', 'push', githubPush({ ref: 'refs/heads/main', sha: sha.main }), secrets.github),
    );
    const runId: string = queued.runId;
    const stream = redisKeys.events(runId);
    // What a runner would have written so far.
    await fx.redis.xadd(
      stream,
      '*',
      ...encodeStreamEntry(1, {
        type: 'attempt.started',
        attempt: 1,
        runner: 'r1',
        waitedMs: 5,
        time: Date.now(),
        runId,
      }),
    );
    await fx.redis.xadd(
      stream,
      '*',
      ...encodeStreamEntry(1, {
        type: 'step.log',
        job: 'hello',
        step: 0,
        stream: 'stdout',
        line: 'hello',
        seq: 1,
        time: Date.now(),
        runId,
      }),
    );
    const sse = openEventStream(`${base}/api/runs/${runId}/events`, reader);
    await sse.waitFor((events) => events.length >= 2);
    // Live: the cancel writes the run's result, which ends the stream.
    const cancel = await fetch(`${base}/api/runs/${runId}/cancel`, { method: 'POST', headers: auth });
    expect(await cancel.json()).toMatchObject({ outcome: 'cancelled' });
    const { events, ended } = await sse.done;
    expect(ended).toBe(true);
    expect(events.map((event) => event.data.type)).toEqual(['attempt.started', 'step.log', 'run.result']);
    expect(events[1]?.data).toMatchObject({ attempt: 1, line: 'hello' });
    expect(events.at(-1)?.data).toMatchObject({ status: 'cancelled' });
    expect(events.every((event) => /^\d+-\d+$/.test(event.id))).toBe(true);
    const resumed = await openEventStream(`${base}/api/runs/${runId}/events`, {
      ...reader,
      'last-event-id': events[0]?.id ?? '',
    }).done;
    expect(resumed.events.map((event) => event.data.type)).toEqual(['step.log', 'run.result']);
    const finished = await fetch(`${base}/api/runs/${runId}/events`, {
      headers: { ...reader, 'last-event-id': events.at(-1)?.id ?? '' },
    });
    expect(finished.status).toBe(204);
  });

  it('serves /healthz and counts deliveries in /metrics', async () => {
    expect(await (await fetch(`${base}/healthz`)).json()).toMatchObject({ ok: true, redis: 'up' });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/ferry_serve_deliveries_total\{forge="github",outcome="queued"\} [1-9]/);
    expect(metrics).toMatch(/ferry_serve_deliveries_total\{forge="github",outcome="unauthorized"\} [1-9]/);
    expect(metrics).toMatch(/ferry_serve_deliveries_total\{forge="github",outcome="too_large"\} [1-9]/);
    expect(metrics).toContain('ferry_serve_delivery_duration_seconds_bucket');
  });

  it('never logged a secret or a token', () => {
    const text = logs.join('\n');
    expect(text).toContain('queued run');
    for (const secret of Object.values(secrets)) expect(text).not.toContain(secret);
  });
});

/** Streams `size` bytes (with or without Content-Length) and notes how much was sent when the answer arrived. */
function sendLarge(
  url: string,
  size: number,
  chunked: boolean,
): Promise<{ status: number; body: unknown; sentWhenAnswered: number; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const { hostname, port, pathname } = new URL(url);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-github-delivery': 'large-1',
    };
    if (!chunked) headers['content-length'] = String(size);
    const request = httpRequest({ hostname, port, path: pathname, method: 'POST', headers });
    let sent = 0;
    let answered = false;
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    request.on('response', (response) => {
      answered = true;
      const sentWhenAnswered = sent;
      let text = '';
      response.on('data', (data: Buffer) => (text += data.toString()));
      response.on('end', () => {
        request.destroy();
        resolve({
          status: response.statusCode ?? 0,
          body: text ? JSON.parse(text) : undefined,
          sentWhenAnswered,
          ms: Date.now() - started,
        });
      });
    });
    // The server closes the connection once it has answered: writes after that fail, as they should.
    request.on('error', (error) => {
      if (!answered) reject(error);
    });
    const pump = () => {
      while (!answered && sent < size && !request.destroyed) {
        sent += chunk.length;
        if (!request.write(chunk)) {
          request.once('drain', pump);
          return;
        }
      }
      if (sent >= size && !answered) request.end();
    };
    pump();
  });
}

interface SseEvent {
  id: string;
  data: Record<string, any>;
}

/** Reads an SSE response into events; `done` resolves when the server ends it. */
function openEventStream(url: string, headers: Record<string, string> = {}) {
  const events: SseEvent[] = [];
  const waiters = new Set<() => void>();
  const done = (async () => {
    const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers } });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { value, done: finished } = await reader.read();
      if (finished) break;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const id = /^id: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (id !== undefined && data !== undefined) events.push({ id, data: JSON.parse(data) as Record<string, any> });
        for (const wake of waiters) wake();
      }
    }
    return { events, ended: true };
  })();
  return {
    done,
    waitFor: (check: (events: SseEvent[]) => boolean, timeoutMs = 10_000) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`SSE: condition not met; got ${JSON.stringify(events)}`)),
          timeoutMs,
        );
        const wake = () => {
          if (!check(events)) return;
          clearTimeout(timer);
          waiters.delete(wake);
          resolve();
        };
        waiters.add(wake);
        wake();
      }),
  };
}
