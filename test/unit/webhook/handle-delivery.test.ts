import { parsePipeline } from '@ferry/engine';
import { describe, expect, it } from 'vitest';
import type { EnqueueResult } from '../../../packages/runner/src/queue/enqueue-run.js';
import type { RunRequestInput } from '../../../packages/runner/src/queue/run-request.js';
import { forgeAdapters } from '../../../packages/runner/src/webhook/forge-adapters.js';
import { handleDelivery, type DeliveryDeps } from '../../../packages/runner/src/webhook/handle-delivery.js';
import type { PipelineAtCommit, PipelineSource } from '../../../packages/runner/src/webhook/pipeline-source.js';
import { FerryError as WebhookError } from '@ferry/engine';
import type { WebhookSettings } from '../../../packages/runner/src/webhook/webhook-settings.js';
import { deliveryOf, githubPush, loadFixture } from './deliveries.js';

const sha = '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c';
const jobs = 'jobs:\n  a:\n    image: ferry/busybox:1\n    steps:\n      - run: "true"\n';

/** A PipelineSource that serves one pipeline text for every commit, and records what it was asked. */
class FakePipelines implements PipelineSource {
  reads: string[] = [];
  diffs: string[] = [];
  constructor(
    private readonly text: string | undefined,
    private readonly options: { fail?: boolean; changed?: string[] } = {},
  ) {}
  async read(repo: string, at: string, path?: string): Promise<PipelineAtCommit | undefined> {
    this.reads.push(`${repo}@${at}${path ? `:${path}` : ''}`);
    if (this.options.fail) throw new WebhookError('WEBHOOK_PIPELINE_UNREADABLE', `cannot fetch ${repo}: unreachable`);
    if (this.text === undefined) return undefined;
    const parsed = parsePipeline(this.text, path ?? 'ferry.yml');
    return { path: path ?? 'ferry.yml', ...(parsed.spec ? { spec: parsed.spec } : {}), issues: parsed.issues };
  }
  async changedPaths(_repo: string, from: string, to: string): Promise<string[] | undefined> {
    this.diffs.push(`${from}..${to}`);
    return this.options.changed;
  }
  async resolveRef(): Promise<undefined> {
    return undefined;
  }
}

function setup(
  text: string | undefined,
  settings: Partial<WebhookSettings> = {},
  options: { fail?: boolean; changed?: string[]; enqueueFails?: boolean } = {},
) {
  const queued: { request: RunRequestInput; key: string }[] = [];
  const pipelines = new FakePipelines(text, options);
  const deps: DeliveryDeps = {
    settings: {
      defaultSecrets: { github: 'gh-secret', gitlab: 'gl-token', gitea: 'gt-secret' },
      repositories: [],
      labels: ['docker'],
      ...settings,
    },
    pipelines,
    async enqueue(request, key): Promise<EnqueueResult> {
      if (options.enqueueFails) throw new Error('Connection is closed.');
      const again = queued.some((entry) => entry.key === key);
      if (!again) queued.push({ request, key });
      return { runId: key, created: !again, status: 'queued', queue: 'runs.docker' };
    },
  };
  const post = (forge: keyof typeof forgeAdapters, headers: Record<string, string>, body: string | Buffer) =>
    handleDelivery(deps, forgeAdapters[forge], { headers, body: Buffer.isBuffer(body) ? body : Buffer.from(body) });
  return { deps, queued, pipelines, post };
}

describe('handleDelivery', () => {
  it("queues a signed push at its sha, keyed by the delivery id, with the repository's labels", async () => {
    const { post, queued } = setup(jobs);
    const delivery = deliveryOf(
      'github',
      'push',
      githubPush({ ref: 'refs/heads/main', sha }),
      'gh-secret',
      '72d3162e-cc78-11e3-81ab-4c9367dc0958',
    );
    const answer = await post('github', delivery.headers, delivery.body);
    expect(answer).toMatchObject({
      statusCode: 202,
      outcome: 'queued',
      body: {
        runId: 'github-72d3162e-cc78-11e3-81ab-4c9367dc0958',
        duplicate: false,
        trigger: 'push',
        sha,
        secrets: true,
      },
    });
    expect(queued).toEqual([
      {
        key: 'github-72d3162e-cc78-11e3-81ab-4c9367dc0958',
        request: {
          repo: 'https://github.com/acme/shop.git',
          sha,
          ref: 'refs/heads/main',
          pipeline: 'ferry.yml',
          trigger: 'push',
          compare: { base: '6113728f27ae82c7b1a177c8d03f9e96e0adf246' },
          labels: ['docker'],
          secrets: true,
        },
      },
    ]);
  });

  it('answers a redelivery with the same run, queued once', async () => {
    const { post, queued } = setup(jobs);
    const delivery = deliveryOf('github', 'push', githubPush({ ref: 'refs/heads/main', sha }), 'gh-secret');
    const first = await post('github', delivery.headers, delivery.body);
    const again = await post('github', delivery.headers, delivery.body);
    expect(again).toMatchObject({
      statusCode: 202,
      outcome: 'duplicate',
      body: { runId: first.body.runId, duplicate: true },
    });
    expect(queued).toHaveLength(1);
  });

  it('refuses a bad signature, a missing one, and a repository without a secret with 401', async () => {
    const { post, queued } = setup(jobs, {
      defaultSecrets: {},
      repositories: [{ forge: 'github', name: 'acme/shop', secret: 'right' }],
    });
    const wrong = deliveryOf('github', 'push', githubPush({ ref: 'refs/heads/main', sha }), 'wrong');
    expect(await post('github', wrong.headers, wrong.body)).toMatchObject({
      statusCode: 401,
      outcome: 'unauthorized',
      body: {
        error: 'WEBHOOK_UNAUTHORIZED',
        message: 'the x-hub-signature-256 header does not match the body and the secret for "acme/shop"',
      },
    });
    const { 'x-hub-signature-256': _, ...unsigned } = wrong.headers;
    expect((await post('github', unsigned, wrong.body)).body).toMatchObject({
      message: 'the x-hub-signature-256 header is missing',
    });
    const other = deliveryOf(
      'github',
      'push',
      githubPush({ ref: 'refs/heads/main', sha, repo: 'acme/other' }),
      'right',
    );
    expect(await post('github', other.headers, other.body)).toMatchObject({
      statusCode: 401,
      body: { message: expect.stringContaining('no github secret for repository "acme/other"') },
    });
    expect(queued).toEqual([]);
  });

  it("takes a repository's own secret, clone URL and pipeline path over the defaults", async () => {
    const { post, queued, pipelines } = setup(jobs, {
      repositories: [
        {
          forge: 'github',
          name: 'ACME/Shop',
          secret: 'own',
          clone: 'file:///srv/shop.git',
          pipeline: 'ci/ferry.yml',
          labels: ['gpu'],
        },
      ],
    });
    const withDefault = deliveryOf('github', 'push', githubPush({ ref: 'refs/heads/main', sha }), 'gh-secret');
    expect((await post('github', withDefault.headers, withDefault.body)).statusCode).toBe(401);
    const own = deliveryOf('github', 'push', githubPush({ ref: 'refs/heads/main', sha }), 'own');
    expect((await post('github', own.headers, own.body)).statusCode).toBe(202);
    expect(pipelines.reads).toEqual([`file:///srv/shop.git@${sha}:ci/ferry.yml`]);
    expect(queued[0]?.request).toMatchObject({
      repo: 'file:///srv/shop.git',
      pipeline: 'ci/ferry.yml',
      labels: ['gpu'],
    });
  });

  it("sends the server's --image mappings with each run, the repository's over them", async () => {
    const { post, queued } = setup(jobs, {
      images: { node: 'ferry/node:20', go: 'golang:1.22' },
      repositories: [{ forge: 'github', name: 'acme/shop', images: { go: 'local/go:1.22' } }],
    });
    const own = deliveryOf('github', 'push', githubPush({ ref: 'refs/heads/main', sha }), 'gh-secret');
    expect((await post('github', own.headers, own.body)).statusCode).toBe(202);
    expect(queued[0]?.request.images).toEqual({ node: 'ferry/node:20', go: 'local/go:1.22' });
    const bare = setup(jobs);
    await bare.post('github', own.headers, own.body);
    expect(bare.queued[0]?.request).not.toHaveProperty('images');
  });

  it('answers 400 for an empty body, a body that is not JSON, and a payload without its fields', async () => {
    const { post } = setup(jobs);
    const empty = deliveryOf('github', 'push', '', 'gh-secret');
    expect(await post('github', empty.headers, '')).toMatchObject({
      statusCode: 400,
      body: { error: 'WEBHOOK_MALFORMED', message: expect.stringContaining('empty') },
    });
    const garbage = deliveryOf('github', 'push', '{"ref": "refs/heads/main",', 'gh-secret');
    expect(await post('github', garbage.headers, garbage.body)).toMatchObject({
      statusCode: 400,
      body: { error: 'WEBHOOK_MALFORMED', message: 'the body is not JSON' },
    });
    const partial = deliveryOf(
      'github',
      'push',
      { ref: 'refs/heads/main', repository: { full_name: 'acme/shop' } },
      'gh-secret',
    );
    expect(await post('github', partial.headers, partial.body)).toMatchObject({
      statusCode: 400,
      body: { message: expect.stringContaining('repository.clone_url') },
    });
  });

  it("reads GitHub's form-encoded deliveries (payload=…) and checks the signature over the form", async () => {
    const { post, queued } = setup(jobs);
    const form = `payload=${encodeURIComponent(JSON.stringify(githubPush({ ref: 'refs/heads/main', sha })))}`;
    const delivery = deliveryOf('github', 'push', form, 'gh-secret');
    const answer = await post(
      'github',
      { ...delivery.headers, 'content-type': 'application/x-www-form-urlencoded' },
      delivery.body,
    );
    expect(answer.statusCode).toBe(202);
    expect(queued).toHaveLength(1);
  });

  it('answers a ping, and ignores events that do not start runs with 202 and the reason', async () => {
    const { post, queued } = setup(jobs);
    const ping = deliveryOf('github', 'ping', loadFixture('github', 'ping'), 'gh-secret');
    expect(await post('github', ping.headers, ping.body)).toMatchObject({
      statusCode: 200,
      outcome: 'ping',
      body: { ok: true, pong: true },
    });
    const issue = deliveryOf('github', 'issues', loadFixture('github', 'issues-opened'), 'gh-secret');
    expect(await post('github', issue.headers, issue.body)).toMatchObject({
      statusCode: 202,
      outcome: 'ignored',
      body: { ignored: true, reason: expect.stringContaining('"issues"') },
    });
    expect(queued).toEqual([]);
  });

  it('ignores a commit without a pipeline file, and one whose on: does not want it', async () => {
    const none = setup(undefined);
    const delivery = deliveryOf('github', 'push', githubPush({ ref: 'refs/heads/main', sha }), 'gh-secret');
    expect(await none.post('github', delivery.headers, delivery.body)).toMatchObject({
      statusCode: 202,
      body: { ignored: true, reason: expect.stringContaining('no pipeline file') },
    });
    const filtered = setup(`on:\n  push: { branches: [release] }\n${jobs}`);
    expect(await filtered.post('github', delivery.headers, delivery.body)).toMatchObject({
      statusCode: 202,
      body: { ignored: true, reason: 'ferry.yml: branch "main" matches none of on.push.branches [release]' },
    });
    expect(filtered.queued).toEqual([]);
  });

  it('asks git for the changed paths when a path filter needs them and the payload does not list them all', async () => {
    const gitlab = loadFixture('gitlab', 'push-hook');
    gitlab.total_commits_count = 40;
    const { post, pipelines, queued } = setup(
      `on:\n  push: { paths: ["docs/**"] }\n${jobs}`,
      {},
      { changed: ['src/app.ts'] },
    );
    const delivery = deliveryOf('gitlab', 'Push Hook', gitlab, 'gl-token');
    expect(await post('gitlab', delivery.headers, delivery.body)).toMatchObject({
      statusCode: 202,
      body: { ignored: true, reason: expect.stringContaining('no changed path matches on.push.paths') },
    });
    expect(pipelines.diffs).toEqual([`${gitlab.before}..${gitlab.checkout_sha}`]);
    expect(queued).toEqual([]);
  });

  it('runs a pull request from a fork without secrets', async () => {
    const { post, queued } = setup(`on:\n  pull_request: { branches: [main] }\n${jobs}`);
    const delivery = deliveryOf(
      'github',
      'pull_request',
      loadFixture('github', 'pull_request-opened-fork'),
      'gh-secret',
    );
    expect(await post('github', delivery.headers, delivery.body)).toMatchObject({
      statusCode: 202,
      body: { trigger: 'pull_request', secrets: false, ref: 'refs/pull/7/head' },
    });
    expect(queued[0]?.request).toMatchObject({
      secrets: false,
      trigger: 'pull_request',
      sha: 'ec26c3e57ca3a959ca5aad62de7213c562f8c821',
      compare: { base: 'f95f852bd8fca8fcc58a9a2d6c842781e32a215e', mergeBase: true },
    });
  });

  it('gives a push that created its branch nothing to compare with, so that jobs with changes: run', async () => {
    const { post, queued } = setup(jobs);
    const delivery = deliveryOf(
      'github',
      'push',
      githubPush({ ref: 'refs/heads/feature', sha, before: '0'.repeat(40) }),
      'gh-secret',
    );
    expect(await post('github', delivery.headers, delivery.body)).toMatchObject({ statusCode: 202 });
    expect(queued[0]?.request.trigger).toBe('push');
    expect(queued[0]?.request).not.toHaveProperty('compare');
  });

  it('queues a commit whose pipeline does not validate, so that the run reports why', async () => {
    const { post, queued } = setup('jobs: [');
    const delivery = deliveryOf('gitea', 'push', loadFixture('gitea', 'push'), 'gt-secret');
    expect(await post('gitea', delivery.headers, delivery.body)).toMatchObject({
      statusCode: 202,
      body: { note: expect.stringContaining('does not validate') },
    });
    expect(queued).toHaveLength(1);
  });

  it('answers 503 when git or the queue cannot be reached, queueing nothing', async () => {
    const delivery = deliveryOf('github', 'push', githubPush({ ref: 'refs/heads/main', sha }), 'gh-secret');
    const git = setup(jobs, {}, { fail: true });
    expect(await git.post('github', delivery.headers, delivery.body)).toMatchObject({
      statusCode: 503,
      outcome: 'unavailable',
      body: { error: 'WEBHOOK_PIPELINE_UNREADABLE' },
    });
    const redis = setup(jobs, {}, { enqueueFails: true });
    expect(await redis.post('github', delivery.headers, delivery.body)).toMatchObject({
      statusCode: 503,
      body: { error: 'WEBHOOK_QUEUE_UNAVAILABLE' },
    });
  });

  it('keys a delivery without an id by its body, so that its redelivery is still one run', async () => {
    const { post, queued } = setup(jobs);
    const delivery = deliveryOf('gitlab', 'Push Hook', loadFixture('gitlab', 'push-hook'), 'gl-token');
    const { 'x-gitlab-event-uuid': _a, 'idempotency-key': _b, ...headers } = delivery.headers;
    const first = await post('gitlab', headers, delivery.body);
    const again = await post('gitlab', headers, delivery.body);
    expect(String(first.body.runId)).toMatch(/^gitlab-body-[0-9a-f]{32}$/);
    expect(again.body).toMatchObject({ runId: first.body.runId, duplicate: true });
    expect(queued).toHaveLength(1);
  });

  it('prints an unverified repository name on one line', async () => {
    const { post } = setup(jobs);
    const delivery = deliveryOf(
      'github',
      'push',
      githubPush({ ref: 'refs/heads/main', sha, repo: 'acme/shop\n2026-01-01 forged log line' }),
      'wrong',
    );
    const answer = await post('github', delivery.headers, delivery.body);
    expect(answer.statusCode).toBe(401);
    expect(answer.summary).not.toContain('\n');
    expect(answer.summary).toContain('acme/shop?2026-01-01 forged log line');
  });

  it('refuses a clone URL that git would read as an option', async () => {
    const { post, pipelines } = setup(jobs, { defaultSecrets: { generic: 'generic-secret' } });
    const payload = { ...loadFixture('generic', 'push'), cloneUrl: '--upload-pack=touch /tmp/pwned' };
    const delivery = deliveryOf('generic', 'push', payload, 'generic-secret');
    expect(await post('generic', delivery.headers, delivery.body)).toMatchObject({
      statusCode: 400,
      body: { error: 'WEBHOOK_MALFORMED', message: expect.stringContaining('starts with "-"') },
    });
    expect(pipelines.reads).toEqual([]);
  });

  it('never puts a secret in what it answers or logs', async () => {
    const { post } = setup(jobs, { repositories: [{ name: 'acme/shop', secret: 'sup3r-s3cret-value' }] });
    const answers = [];
    for (const secret of ['sup3r-s3cret-value', 'wrong']) {
      const delivery = deliveryOf('github', 'push', githubPush({ ref: 'refs/heads/main', sha }), secret);
      answers.push(await post('github', delivery.headers, delivery.body));
    }
    const gl = deliveryOf('gitlab', 'Push Hook', loadFixture('gitlab', 'push-hook'), 'sup3r-s3cret-value');
    answers.push(await post('gitlab', gl.headers, gl.body));
    expect(JSON.stringify(answers)).not.toContain('sup3r-s3cret-value');
  });
});

describe('handleDelivery: a repository with its own secret', () => {
  const settings = {
    defaultSecrets: { github: 'default-secret' },
    repositories: [{ forge: 'github' as const, name: 'acme/shop', secret: 'own-secret', clone: 'file:///srv/shop' }],
  };

  it.each([
    ['acme/shop.git', undefined],
    ['Acme/Shop/', undefined],
    ['https://github.com/acme/shop.git', undefined],
    ['other/repo', 'https://github.com/acme/shop.git'],
    ['other/repo', 'file:///srv/shop'],
  ])('never takes the default secret for it, named %s (clone URL %s)', async (repo, cloneUrl) => {
    const { post, queued } = setup(jobs, settings);
    const payload = githubPush({ ref: 'refs/heads/main', sha, repo, ...(cloneUrl ? { cloneUrl } : {}) });
    const delivery = deliveryOf('github', 'push', payload, 'default-secret');
    const answer = await post('github', delivery.headers, delivery.body);
    expect(answer).toMatchObject({ statusCode: 401, body: { error: 'WEBHOOK_UNAUTHORIZED' } });
    expect(queued).toHaveLength(0);
  });

  it('takes its own secret whichever way the name is spelt', async () => {
    const { post, queued } = setup(jobs, settings);
    const delivery = deliveryOf(
      'github',
      'push',
      githubPush({ ref: 'refs/heads/main', sha, repo: 'ACME/shop.git' }),
      'own-secret',
    );
    expect((await post('github', delivery.headers, delivery.body)).statusCode).toBe(202);
    expect(queued[0]?.request.repo).toBe('file:///srv/shop');
  });
});

describe('handleDelivery: ref names', () => {
  it.each(['refs/heads/../../x', 'refs/heads/-x', 'refs/heads/a..b', 'refs/heads/x$(id)', 'refs/heads/x\ny'])(
    'answers 400 for %j and queues nothing',
    async (ref) => {
      const { post, queued } = setup(jobs);
      const delivery = deliveryOf('github', 'push', githubPush({ ref, sha }), 'gh-secret');
      const answer = await post('github', delivery.headers, delivery.body);
      expect(answer).toMatchObject({ statusCode: 400, body: { error: 'WEBHOOK_MALFORMED' } });
      expect(answer.summary).not.toContain('\n');
      expect(queued).toHaveLength(0);
    },
  );
});
