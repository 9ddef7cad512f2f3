import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunQueue } from '../../packages/runner/src/queue/run-queue.js';
import { createServeApp } from '../../packages/runner/src/serve/create-serve-app.js';
import { openServeRedis } from '../../packages/runner/src/serve/open-serve-redis.js';
import { ServeMetrics } from '../../packages/runner/src/serve/serve-metrics.js';
import { GitPipelineSource } from '../../packages/runner/src/webhook/git-pipeline-source.js';
import { createTempGitRepo, type TempGitRepo } from '../helpers/temp-git-repo.js';
import { startRedisServer, type RedisServer } from '../setup/redis-server.js';
import { deliveryOf, githubPush } from '../unit/webhook/deliveries.js';

// A Redis of its own (persisted), stopped under the running server: deliveries meanwhile are answered 503 at
// once (nothing queued, so the forge shows them failed and they can be redelivered), and once Redis is back a
// redelivery queues the run, exactly once.
const secret = 'outage-Secret-42';
let redisServer: RedisServer;
let redis: Redis;
let queue: RunQueue;
let repo: TempGitRepo;
let workdir: string;
let pipelines: GitPipelineSource;
let app: FastifyInstance;
let base: string;
let sha: string;

beforeAll(async () => {
  redisServer = await startRedisServer({ persist: true });
  redis = openServeRedis(redisServer.url);
  redis.on('error', () => undefined);
  queue = new RunQueue(redis);
  repo = await createTempGitRepo({
    'ferry.yml': 'jobs:\n  a:\n    image: ferry/busybox:1\n    steps:\n      - run: "true"\n',
  });
  sha = await repo.git('rev-parse', 'HEAD');
  workdir = await mkdtemp(path.join(tmpdir(), 'ferry-serve-outage-'));
  pipelines = new GitPipelineSource(path.join(workdir, 'mirrors'));
  app = await createServeApp(
    {
      redis,
      queue,
      blocking: () => redis.duplicate(),
      pipelines,
      metrics: new ServeMetrics(),
      log: () => undefined,
    },
    {
      bodyLimit: 1024 * 1024,
      api: { publicReads: true, tokens: [] },
      settings: {
        defaultSecrets: {},
        labels: [],
        repositories: [{ forge: 'github', name: 'acme/shop', secret, clone: `file://${repo.dir}` }],
      },
    },
  );
  base = await app.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await app?.close();
  pipelines?.close();
  await queue?.close().catch(() => undefined);
  redis?.disconnect();
  await redisServer?.destroy();
  await repo?.cleanup();
  if (workdir) await rm(workdir, { recursive: true, force: true });
});

const post = async (delivery: { headers: Record<string, string>; body: string }) => {
  const response = await fetch(`${base}/hooks/github`, {
    method: 'POST',
    headers: delivery.headers,
    body: delivery.body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

describe('a Redis outage under ferry serve', () => {
  it('answers 503 at once while Redis is away, and queues the redelivery once it is back', async () => {
    const delivery = deliveryOf('github', 'push', githubPush({ ref: 'refs/heads/main', sha }), secret);
    expect((await post(deliveryOf('github', 'push', githubPush({ ref: 'refs/heads/main', sha }), secret))).status).toBe(
      202,
    );

    await redisServer.stop();
    const started = Date.now();
    const during = await post(delivery);
    expect(during).toMatchObject({ status: 503, body: { error: 'WEBHOOK_QUEUE_UNAVAILABLE' } });
    expect(Date.now() - started).toBeLessThan(5000);
    expect((await fetch(`${base}/healthz`)).status).toBe(503);

    await redisServer.start();
    const deadline = Date.now() + 15_000;
    let after = await post(delivery);
    while (after.status !== 202 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      after = await post(delivery);
    }
    expect(after).toMatchObject({ status: 202, body: { runId: `github-${delivery.id}`, duplicate: false } });
    expect(await post(delivery)).toMatchObject({ status: 202, body: { duplicate: true } });
    expect((await queue.list()).filter((run) => run.id === `github-${delivery.id}`)).toHaveLength(1);
  });
});
