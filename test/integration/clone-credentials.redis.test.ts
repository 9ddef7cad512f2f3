import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiToken, GitMirrorCheckout } from '../../packages/runner/src/index.js';
import { createServeApp } from '../../packages/runner/src/serve/create-serve-app.js';
import { openServeRedis } from '../../packages/runner/src/serve/open-serve-redis.js';
import { ServeMetrics } from '../../packages/runner/src/serve/serve-metrics.js';
import { GitPipelineSource } from '../../packages/runner/src/webhook/git-pipeline-source.js';
import { startGitHttpServer, type GitHttpServer } from '../helpers/git-http-server.js';
import { createTempGitRepo, type TempGitRepo } from '../helpers/temp-git-repo.js';
import { openQueueFixture, redisUrlFor, type QueueFixture } from '../setup/queue-fixtures.js';
import { deliveryOf, githubPush } from '../unit/webhook/deliveries.js';

// A private repository behind a real smart-HTTP git server with Basic auth; its token is in the clone URL of the
// serve config. The token must reach git, and nothing else: not the run record, the API, the logs, Redis or the
// mirror's config. Runners clone with credentials of their own (--git-credentials).

const token = 'ghp_Secret0Token0Of0Forty0Characters0AB';
const hookSecret = 'hook-Secret-9931';
const apiSecret = 'api-Token-4471';
let fx: QueueFixture;
let source: TempGitRepo;
let dir: string;
let git: GitHttpServer;
let redis: Redis;
let app: FastifyInstance;
let base: string;
let sha: string;
const logs: string[] = [];

beforeAll(async () => {
  process.env.GIT_TERMINAL_PROMPT = '0';
  fx = await openQueueFixture(redisUrlFor(11));
  dir = await mkdtemp(path.join(tmpdir(), 'ferry-credentials-'));
  source = await createTempGitRepo({
    'ferry.yml': 'jobs:\n  a:\n    image: ferry/busybox:1\n    steps:\n      - run: "true"\n',
  });
  sha = await source.git('rev-parse', 'HEAD');
  await mkdir(path.join(dir, 'git'));
  await source.git('clone', '--quiet', '--bare', source.dir, path.join(dir, 'git', 'shop.git'));
  git = await startGitHttpServer(path.join(dir, 'git'), { username: 'ci', password: token });
  redis = openServeRedis(fx.url);
  redis.on('error', () => undefined);
  const clone = `${git.url.replace('http://', `http://ci:${token}@`)}/shop.git`;
  app = await createServeApp(
    {
      redis,
      queue: fx.queue,
      blocking: () => redis.duplicate(),
      pipelines: new GitPipelineSource(path.join(dir, 'mirrors'), { timeoutMs: 10_000 }),
      metrics: new ServeMetrics(),
      log: (line) => logs.push(line),
    },
    {
      bodyLimit: 1024 * 1024,
      api: { publicReads: false, tokens: [apiToken('ops', ['admin'], { token: apiSecret })] },
      settings: {
        defaultSecrets: {},
        labels: [],
        repositories: [{ forge: 'github', name: 'acme/private', secret: hookSecret, clone }],
      },
    },
  );
  base = await app.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await app?.close();
  redis?.disconnect();
  await git?.close();
  await fx?.close();
  await source?.cleanup();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Every value in the fixture's Redis database, as text. */
async function everythingInRedis(): Promise<string> {
  const parts: string[] = [];
  for (const key of await fx.redis.keys('*')) {
    const type = await fx.redis.type(key);
    if (type === 'string') parts.push((await fx.redis.get(key)) ?? '');
    else if (type === 'hash') parts.push(JSON.stringify(await fx.redis.hgetall(key)));
    else if (type === 'list') parts.push(JSON.stringify(await fx.redis.lrange(key, 0, -1)));
    else if (type === 'set') parts.push(JSON.stringify(await fx.redis.smembers(key)));
    else if (type === 'zset') parts.push(JSON.stringify(await fx.redis.zrange(key, 0, -1)));
    else if (type === 'stream') parts.push(JSON.stringify(await fx.redis.xrange(key, '-', '+')));
  }
  return parts.join('\n');
}

describe('credentials in a clone URL', () => {
  let runId: string;
  let storedRepo: string;

  it('reach git for the pipeline, and are neither stored, shown nor logged', async () => {
    const delivery = deliveryOf(
      'github',
      'push',
      githubPush({ ref: 'refs/heads/main', sha, repo: 'acme/private' }),
      hookSecret,
    );
    const response = await fetch(`${base}/hooks/github`, {
      method: 'POST',
      headers: delivery.headers,
      body: delivery.body,
    });
    expect(response.status, await response.clone().text()).toBe(202);
    runId = ((await response.json()) as { runId: string }).runId;
    // git did authenticate (the server refuses anything else), with the configured user and token.
    expect(git.authorizations).toContain(`Basic ${Buffer.from(`ci:${token}`).toString('base64')}`);

    const record = await fx.queue.get(runId);
    storedRepo = record?.repo ?? '';
    expect(storedRepo).toBe(`${git.url}/shop.git`);
    const shown = await (
      await fetch(`${base}/api/runs/${runId}`, { headers: { authorization: `Bearer ${apiSecret}` } })
    ).text();
    expect(shown).toContain(`${git.url}/shop.git`);
    expect(shown).not.toContain(token);
    const listed = await (
      await fetch(`${base}/api/runs`, { headers: { authorization: `Bearer ${apiSecret}` } })
    ).text();
    expect(listed).not.toContain(token);
    expect(await everythingInRedis()).not.toContain(token);
    expect(logs.join('\n')).not.toContain(token);
    const mirrors = await readdir(path.join(dir, 'mirrors'));
    expect(mirrors).toHaveLength(1);
    const mirrorConfig = await readFile(path.join(dir, 'mirrors', mirrors[0] ?? '', 'config'), 'utf8');
    expect(mirrorConfig).toContain(`${git.url}/shop.git`);
    expect(mirrorConfig).not.toContain(token);
  });

  it('are refused in a run request, which is stored', async () => {
    await expect(
      fx.queue.enqueue({ repo: `https://x-access-token:${token}@example.com/a.git`, sha }),
    ).rejects.toMatchObject({
      code: 'QUEUE_REQUEST_INVALID',
      message: expect.stringContaining('holds a password or token') as string,
    });
  });

  it('come to a runner from its own credentials file, and a runner without one cannot clone', async () => {
    const credentials = path.join(dir, 'git-credentials');
    await writeFile(credentials, `${git.url.replace('http://', `http://ci:${token}@`)}\n`, { mode: 0o600 });
    const signal = new AbortController().signal;
    const withFile = new GitMirrorCheckout(path.join(dir, 'runner-a'), { credentialsFile: credentials });
    const checked = await withFile.checkout({ repo: storedRepo, sha }, path.join(dir, 'checkout-a'), signal);
    expect(checked).toMatchObject({ sha, cloned: true });
    expect(await readFile(path.join(dir, 'checkout-a', 'ferry.yml'), 'utf8')).toContain('jobs:');
    const without = new GitMirrorCheckout(path.join(dir, 'runner-b'));
    await expect(
      without.checkout({ repo: storedRepo, sha }, path.join(dir, 'checkout-b'), signal),
    ).rejects.toMatchObject({
      code: 'RUNNER_CLONE_FAILED',
    });
  });
});
