import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTempGitRepo, type TempGitRepo } from '../helpers/temp-git-repo.js';
import { openQueueFixture, redisUrlFor, type QueueFixture } from '../setup/queue-fixtures.js';
import { ferryBin, killAllRunners, spawnRunner } from '../setup/runner-process.js';
import { ForgeStatusServer } from '../helpers/forge-status-server.js';
import { githubPush } from '../unit/webhook/deliveries.js';

// The whole path, with real processes: a GitHub-shaped push delivery to `ferry serve`, a `ferry runner` takes the
// queued run from Redis, clones the commit from a bare repository, runs it in Docker, and the API's event
// stream shows its log to the end. Needs the build (npx tsc -b), Docker and the ferry/busybox:1 image.
const secret = 'whk-Secret-8086';
const pipeline = `name: webhook-e2e
on:
  push: { branches: [main] }
jobs:
  greet:
    image: ferry/busybox:1
    steps:
      - run: echo hello-from-webhook
`;

let fx: QueueFixture;
let source: TempGitRepo;
let dir: string;
let bare: string;
const readToken = `read-${randomUUID()}`;
let serve: { child: ChildProcess; output: () => string; url: string } | undefined;
const forgeToken = `ghp-${randomUUID()}`;
const forge = new ForgeStatusServer('github', forgeToken);
const runIds: string[] = [];

/** `ferry serve` as a child process of the built CLI: the test fails if main.ts does not register the command. */
function startServe(
  args: string[],
  env: Record<string, string>,
): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const argv = [ferryBin, 'serve', ...args];
  const child = spawn(process.execPath, argv, {
    cwd: dir,
    env: { ...process.env, ...env, FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => text, exited };
}

async function waitFor<T>(what: string, check: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  fx = await openQueueFixture(redisUrlFor(7));
  dir = await mkdtemp(path.join(tmpdir(), 'ferry-webhook-e2e-'));
  source = await createTempGitRepo({ 'ferry.yml': pipeline, 'src/app.txt': 'v1\n' });
  bare = path.join(dir, 'shop.git');
  await source.git('clone', '--quiet', '--bare', source.dir, bare);
  // A read-only token, hashed by the CLI itself (the token goes in on stdin, the config entry comes out).
  const entry = execFileSync(process.execPath, [ferryBin, 'serve', 'hash-token', '--name', 'dashboard'], {
    input: `${readToken}\n`,
    encoding: 'utf8',
  });
  expect(entry).not.toContain(readToken);
  await forge.start();
  await writeFile(
    path.join(dir, 'serve.yml'),
    `# the e2e server\napi:\n  tokens:\n${entry
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#'))
      .map((line) => `    ${line}`)
      .join('\n')}\nrepositories:\n  - forge: github\n    name: acme/shop\n    clone: file://${bare}\n` +
      `statuses:\n  github: { api: "${forge.url}", tokenEnv: FORGE_STATUS_TOKEN }\n`,
  );
});

afterAll(async () => {
  await forge.stop();
  if (serve && serve.child.exitCode === null) serve.child.kill('SIGKILL');
  await killAllRunners();
  if (fx) expect(await fx.leftoversOf(runIds)).toEqual([]);
  await fx?.close();
  await source?.cleanup();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('ferry serve end to end', () => {
  it('turns a signed push into a run that a runner executes, with its log streamed over SSE to success', async () => {
    const started = startServe(
      ['--port', '0', '--redis', fx.url, '--config', 'serve.yml', '--workdir', path.join(dir, 'serve')],
      { FERRY_GITHUB_SECRET: secret, FORGE_STATUS_TOKEN: forgeToken },
    );
    const url = await waitFor(
      'ferry serve to listen',
      () => /serving (http:\/\/127\.0\.0\.1:\d+)/.exec(started.output())?.[1],
    ).catch((error: Error) => {
      throw new Error(`${error.message}; it printed:\n${started.output()}`);
    });
    serve = { ...started, url };
    await spawnRunner({ redisUrl: fx.url, name: 'webhook-e2e', labels: 'docker', concurrency: 1 });

    const sha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: bare, encoding: 'utf8' }).trim();
    const body = JSON.stringify(githubPush({ ref: 'refs/heads/main', sha, paths: ['ferry.yml', 'src/app.txt'] }));
    const delivery = randomUUID();
    const response = await fetch(`${url}/hooks/github`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-github-delivery': delivery,
        'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
      },
      body,
    });
    expect(response.status).toBe(202);
    const answer = (await response.json()) as { runId: string; sha: string };
    runIds.push(answer.runId);
    expect(answer).toMatchObject({ runId: `github-${delivery}`, sha });

    // Reads need a token; a read token may not trigger.
    expect((await fetch(`${url}/api/runs/${answer.runId}`)).status).toBe(401);
    const asReader = { authorization: `Bearer ${readToken}` };
    const trigger = await fetch(`${url}/api/runs`, {
      method: 'POST',
      headers: { ...asReader, 'content-type': 'application/json' },
      body: JSON.stringify({ repo: 'acme/shop', ref: 'main' }),
    });
    expect(trigger.status).toBe(403);
    expect(await trigger.json()).toMatchObject({ error: 'API_FORBIDDEN' });

    // Follow the run over SSE from the start to its result.
    const events: { id: string; data: Record<string, unknown> }[] = [];
    const stream = await fetch(`${url}/api/runs/${answer.runId}/events`, {
      headers: { accept: 'text/event-stream', ...asReader },
    });
    const reader = stream.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const id = /^id: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (id !== undefined && data !== undefined)
          events.push({ id, data: JSON.parse(data) as Record<string, unknown> });
      }
    }
    const types = events.map((event) => event.data.type);
    expect(types[0]).toBe('attempt.started');
    expect(types).toContain('run.started');
    expect(events.filter((event) => event.data.type === 'step.log').map((event) => event.data.line)).toContain(
      'hello-from-webhook',
    );
    expect(events.at(-1)?.data).toMatchObject({ type: 'run.result', status: 'success' });
    expect(await fx.queue.get(answer.runId)).toMatchObject({
      status: 'success',
      sha,
      trigger: 'push',
      ref: 'refs/heads/main',
      runner: 'webhook-e2e',
    });

    // A redelivery answers with the same run, which does not run again.
    const again = await fetch(`${url}/hooks/github`, {
      method: 'POST',
      headers: Object.fromEntries(
        Object.entries({
          'content-type': 'application/json',
          'x-github-event': 'push',
          'x-github-delivery': delivery,
          'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
        }),
      ),
      body,
    });
    expect(await again.json()).toMatchObject({ runId: answer.runId, duplicate: true, status: 'success' });

    // The forge got the commit's statuses: pending while queued and running, then success, linking to the run.
    await waitFor('the success status', () => (forge.statesOf(sha).includes('success') ? true : undefined));
    expect(forge.statesOf(sha)[0]).toBe('pending');
    expect(forge.statesOf(sha).at(-1)).toBe('success');
    expect(forge.received.at(-1)?.body).toMatchObject({
      context: 'ferry/ferry',
      target_url: `${url}/runs/${answer.runId}`,
    });
    expect(forge.received.at(-1)?.body.description).toMatch(/^passed in \d+\.\ds$/);

    // A commit whose job fails: pending, then failure naming the job.
    await source.write({ 'ferry.yml': pipeline.replace('echo hello-from-webhook', 'echo broken; exit 3') });
    await source.commit('break the job');
    await source.git('push', '--quiet', bare, 'HEAD:main');
    const broken = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: bare, encoding: 'utf8' }).trim();
    const brokenBody = JSON.stringify(githubPush({ ref: 'refs/heads/main', sha: broken, paths: ['ferry.yml'] }));
    const failing = await fetch(`${url}/hooks/github`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-github-delivery': randomUUID(),
        'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(brokenBody).digest('hex')}`,
      },
      body: brokenBody,
    });
    expect(failing.status).toBe(202);
    runIds.push(((await failing.json()) as { runId: string }).runId);
    await waitFor('the failure status', () => (forge.statesOf(broken).includes('failure') ? true : undefined), 90_000);
    expect(forge.statesOf(broken)[0]).toBe('pending');
    expect(forge.received.at(-1)?.body).toMatchObject({
      state: 'failure',
      description: expect.stringMatching(/^failed: greet/),
    });

    serve.child.kill('SIGTERM');
    expect(await started.exited).toBe(0);
    expect(started.output()).not.toContain(forgeToken);
    expect(started.output()).toContain(`queued run ${answer.runId}`);
    expect(started.output()).not.toContain(secret);
    expect(started.output()).not.toContain(readToken);
    expect(started.output()).toContain('API tokens: dashboard [read]');
  });

  it('refuses a bad config file with its file, line and field, and exit code 2', async () => {
    await writeFile(path.join(dir, 'bad.yml'), 'repositories:\n  - forge: bitbucket\n    name: acme/shop\n');
    const bad = startServe(['--port', '0', '--redis', fx.url, '--config', 'bad.yml'], {});
    expect(await bad.exited).toBe(2);
    expect(bad.output()).toMatch(/bad\.yml:2:12 SERVE_CONFIG_INVALID repositories\[0\]\.forge: /);
    expect(bad.output()).not.toContain('    at ');
  });

  it('says loudly at start that reads are public on an address other machines reach', async () => {
    const open = startServe(['--port', '0', '--host', '0.0.0.0', '--public-reads', '--redis', fx.url], {});
    await waitFor('ferry serve to listen', () => (/serving http/.test(open.output()) ? true : undefined));
    open.child.kill('SIGTERM');
    expect(await open.exited).toBe(0);
    expect(open.output()).toContain('warning: PUBLIC READS on 0.0.0.0');
    expect(open.output()).toContain('reads public');
    const local = startServe(['--port', '0', '--public-reads', '--redis', fx.url], {});
    await waitFor('ferry serve to listen', () => (/serving http/.test(local.output()) ? true : undefined));
    local.child.kill('SIGTERM');
    expect(await local.exited).toBe(0);
    expect(local.output()).not.toContain('PUBLIC READS');
  });
});
