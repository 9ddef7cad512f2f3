import { spawn, type ChildProcess, execFileSync } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTempGitRepo, type TempGitRepo } from '../helpers/temp-git-repo.js';
import { openQueueFixture, redisUrlFor, type QueueFixture } from '../setup/queue-fixtures.js';
import { ferryBin, killAllRunners, spawnRunner } from '../setup/runner-process.js';
import { githubPush } from '../unit/webhook/deliveries.js';
import type { RolloutResult } from '../../packages/engine/src/deploy/roll-out.js';
import type { ServiceSpec } from '../../packages/engine/src/pipeline/pipeline-schema.js';
import { startDeployHarness, type DeployHarness } from '../helpers/deploy-harness.js';
import { freePort } from '../helpers/free-port.js';
import { startLoad } from '../helpers/load-generator.js';
import { buildVersionedImages, versionedSpec } from '../helpers/versioned-service.js';

// The web page in headless Chromium (Debian's package, through playwright-core; no browser download) against a
// real `ferry serve`, a real runner, Redis (database 13) and Docker: log in with a token, a signed push appears
// in the runs list, its DAG turns green live, its log shows, and a second, slow run is cancelled from its page.
// Screenshots go to a temporary directory (printed), never into the repository.
const secret = 'web-Secret-5521';
const token = `ferry_${randomUUID()}`;
const viewerToken = `ferry_${randomUUID()}`;
const pipeline = (step: string) => `name: web-e2e
on:
  push: { branches: [main] }
jobs:
  build:
    image: ferry/busybox:1
    steps:
      - run: mkdir -p dist && echo shipped-bytes > dist/out.txt && echo building
    artifacts: [dist/]
  greet:
    image: ferry/busybox:1
    needs: [build]
    steps:
      - run: ${step}
`;

let fx: QueueFixture;
let source: TempGitRepo;
let dir: string;
let bare: string;
let shots: string;
let serve: ChildProcess | undefined;
let output = '';
let url = '';
let context: BrowserContext;
let page: Page;
let harness: DeployHarness;

async function until<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; serve printed:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Commits `step` as the greet job's step, pushes it to the bare repository and delivers the push, signed. */
async function push(step: string): Promise<string> {
  await source.write({ 'ferry.yml': pipeline(step) });
  await source.commit(step);
  await source.git('push', '--quiet', bare, 'HEAD:main');
  const sha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: bare, encoding: 'utf8' }).trim();
  const body = JSON.stringify(githubPush({ ref: 'refs/heads/main', sha, paths: ['ferry.yml'] }));
  const response = await fetch(`${url}/hooks/github`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-github-delivery': randomUUID(),
      'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
    },
    body,
  });
  expect(response.status).toBe(202);
  return ((await response.json()) as { runId: string }).runId;
}

beforeAll(async () => {
  fx = await openQueueFixture(redisUrlFor(13));
  dir = await mkdtemp(path.join(tmpdir(), 'ferry-web-e2e-'));
  // FERRY_WEB_SHOTS keeps them somewhere else (docs/web.md's images are taken this way).
  shots = process.env.FERRY_WEB_SHOTS ?? path.join(dir, 'screenshots');
  await mkdir(shots, { recursive: true });
  source = await createTempGitRepo({ 'ferry.yml': pipeline('echo first') });
  bare = path.join(dir, 'shop.git');
  await source.git('clone', '--quiet', '--bare', source.dir, bare);
  // A deploy state dir of its own, with a real proxy (in this process) and Docker replicas: the deploys page's.
  await buildVersionedImages();
  harness = await startDeployHarness('web');
  await writeFile(
    path.join(dir, 'serve.yml'),
    `api:\n  tokens:\n    - { name: ops, tokenEnv: WEB_TOKEN, scopes: [read, cancel, trigger, admin] }\n` +
      `    - { name: viewer, tokenEnv: VIEWER_TOKEN, scopes: [read] }\n` +
      `repositories:\n  - { forge: github, name: acme/shop, clone: "file://${bare}" }\n` +
      `deploys:\n  stateDir: ${JSON.stringify(harness.stateDir)}\n`,
  );
  serve = spawn(
    process.execPath,
    [
      ferryBin,
      'serve',
      '--port',
      '0',
      '--redis',
      fx.url,
      '--config',
      'serve.yml',
      '--workdir',
      path.join(dir, 'serve'),
    ],
    {
      cwd: dir,
      env: { ...process.env, FERRY_GITHUB_SECRET: secret, WEB_TOKEN: token, VIEWER_TOKEN: viewerToken },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  serve.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  serve.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  url = await until('ferry serve to listen', () => /serving (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1], 20_000);
  await spawnRunner({ redisUrl: fx.url, name: 'web-e2e', labels: 'docker', concurrency: 2 });
  context = await chromium.launchPersistentContext(path.join(dir, 'profile'), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
    viewport: { width: 1280, height: 800 },
  });
  page = context.pages()[0] ?? (await context.newPage());
}, 120_000);

afterAll(async () => {
  await context?.close();
  await harness?.close();
  if (serve && serve.exitCode === null) serve.kill('SIGKILL');
  await killAllRunners();
  await fx?.close();
  await source?.cleanup();
  console.log(`web e2e screenshots were in ${shots}`);
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the web page', () => {
  it('logs in, shows a pushed run live to green with its log, and cancels a slow one', async () => {
    await page.goto(url);
    await page.waitForURL(/\/login$/);
    await page.fill('input[name=token]', 'not-the-token');
    await page.click('button[type=submit]');
    await expect.poll(() => page.textContent('.error')).toMatch(/not one of this server/);
    await page.screenshot({ path: path.join(shots, 'login.png') });
    await page.fill('input[name=token]', token);
    await page.click('button[type=submit]');
    await page.waitForURL(`${url}/`);
    const cookies = await context.cookies(url);
    expect(cookies.find((c) => c.name === 'ferry_token')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });

    const polls: string[] = [];
    page.on('request', (request) => {
      if (/\/api\/runs\?/.test(request.url())) polls.push(request.url());
    });
    await expect.poll(() => page.textContent('#live')).toBe('live');
    const first = await push("echo hello-from-the-page; printf '\\033[31mred-word\\033[0m plain\\n'");
    const row = page.locator(`tr[data-run="${first}"]`);
    await row.waitFor({ timeout: 20_000 });
    await expect.poll(() => row.textContent()).toContain('web-e2e');
    // The list follows the run live, from the stream of record changes, without polling.
    await expect
      .poll(() => row.locator('.status').getAttribute('data-status'), { timeout: 60_000 })
      .toMatch(/running|success/);
    expect(polls).toEqual([]);
    await page.screenshot({ path: path.join(shots, 'runs.png') });

    await row.locator('a').click();
    await page.waitForURL(`${url}/runs/${first}`);
    const greet = page.locator('[data-job="greet"] .status');
    await expect.poll(() => greet.getAttribute('data-status'), { timeout: 60_000 }).toBe('success');
    expect(await page.locator('[data-job="build"] .status').getAttribute('data-status')).toBe('success');
    await page.click('[data-job="greet"]');
    await expect.poll(() => page.textContent('#log')).toContain('hello-from-the-page');
    expect(await page.textContent('#log-title')).toBe('Log of greet');
    await expect.poll(() => page.locator('#summary .status').getAttribute('data-status')).toBe('success');
    const all = await page.locator('#log span').count();
    await page.fill('#search', 'hello');
    const shown = await page.locator('#log span').allTextContents();
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.length).toBeLessThan(all);
    expect(shown.every((line) => line.includes('hello'))).toBe(true);
    expect(await page.locator('#log a').first().getAttribute('href')).toMatch(/^#L\d+$/);
    await page.fill('#search', '');
    // ANSI colours are shown as colours, not as escapes.
    const red = page.locator('#log span.ansi-fg-1');
    await expect.poll(() => red.first().textContent()).toBe('red-word');
    expect(await page.textContent('#log')).not.toContain('\u001b');
    // The DAG is a graph: build → greet drawn as an edge, greet one column right of build.
    expect(await page.locator('[data-edge="build->greet"]').getAttribute('class')).toContain('success');
    const boxes = await Promise.all(['build', 'greet'].map((job) => page.locator(`[data-job="${job}"]`).boundingBox()));
    expect(boxes[1]!.x).toBeGreaterThan(boxes[0]!.x + boxes[0]!.width);
    // build's artifacts are listed and download as a tar holding dist/out.txt.
    const artifact = page.locator('#artifacts [data-artifact="build"] a');
    await artifact.waitFor({ timeout: 10_000 });
    const tar = await page.evaluate(
      async (href) => {
        const response = await fetch(href);
        return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
      },
      (await artifact.getAttribute('href'))!,
    );
    expect(tar).toMatchObject({ status: 200, type: 'application/x-tar' });
    expect(tar.text).toContain('out.txt');
    expect(tar.text).toContain('shipped-bytes');
    await page.screenshot({ path: path.join(shots, 'run.png'), fullPage: true });

    // Re-run: a new run of the same commit and pipeline, which goes green too.
    await page.click('#rerun');
    await page.waitForURL((target) => /\/runs\/[^/]+$/.test(target.pathname) && !target.pathname.endsWith(first));
    const again = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
    expect(await fx.queue.get(again)).toMatchObject({ sha: (await fx.queue.get(first))!.sha, trigger: 'push' });
    await expect
      .poll(() => page.locator('#summary .status').getAttribute('data-status'), { timeout: 60_000 })
      .toBe('success');

    const slow = await push('sleep 120');
    await page.goto(`${url}/runs/${slow}`);
    await expect
      .poll(() => page.locator('[data-job="greet"] .status').getAttribute('data-status'), { timeout: 60_000 })
      .toBe('running');
    await page.click('#cancel');
    await expect.poll(() => page.textContent('.error')).toContain('cancel requested');
    await expect
      .poll(() => page.locator('#summary .status').getAttribute('data-status'), { timeout: 30_000 })
      .toBe('cancelled');
    await page.screenshot({ path: path.join(shots, 'cancelled.png') });
    expect(await fx.queue.get(slow)).toMatchObject({ status: 'cancelled' });

    // The runners page: the live runner with its labels and slots, and the queue of its label set.
    await page.goto(`${url}/runners`);
    const runner = page.locator('tr[data-runner="web-e2e"]');
    await runner.waitFor({ timeout: 10_000 });
    expect(await runner.textContent()).toContain('docker');
    await expect.poll(() => runner.locator('.busy').textContent()).toBe('0 / 2');
    // Webhook runs ask for no labels, so they queue under the empty label set, which any runner takes.
    const queue = page.locator('#queues tr[data-queue]').first();
    await queue.waitFor();
    expect(await queue.textContent()).toMatch(/^\(none\)\d+\d+$/);
    await page.screenshot({ path: path.join(shots, 'runners.png') });

    // The cookie is no token for a write without the page's own header (another site cannot add it).
    const cookie = `ferry_token=${encodeURIComponent(token)}`;
    const forged = await fetch(`${url}/api/runs/${slow}/cancel`, { method: 'POST', headers: { cookie } });
    expect(forged.status).toBe(403);
    expect(output).not.toContain(token);
  }, 180_000);

  it('shows a canary with its weights, analysis chart and timeline, promotes it and rolls it back', async () => {
    const port = await freePort();
    const spec = (version: string): ServiceSpec => versionedSpec(version, port, 2);
    expect((await harness.deploy('shop', spec('v1'))).status).toBe('deployed');
    const load = startLoad(`http://127.0.0.1:${port}/version`, { clients: 2, rate: 40 });
    let canary: Promise<RolloutResult> | undefined;
    try {
      canary = harness.deploy('shop', {
        ...spec('v2'),
        strategy: {
          rolling: { maxSurge: 1, maxUnavailable: 0, monitor: 0 },
          canary: {
            replicas: 1,
            steps: [{ weight: 50, pause: {} }],
            analysis: { interval: '1s', window: '2s', minRequests: 5, maxErrorRate: 0.5 },
          },
        },
      });
      await page.goto(`${url}/deploys`);
      const service = page.locator('section[data-service="shop"]');
      await expect
        .poll(() => service.locator('h2 .status').getAttribute('data-status'), { timeout: 60_000 })
        .toBe('canary');
      // The status turns canary when its replica starts; the weight follows once it is healthy and admitted, which
      // took longer than the poll's default 1 s in a fresh-clone suite run (the page refreshes every 2 s).
      await expect.poll(() => service.locator('.weights').textContent(), { timeout: 30_000 }).toContain('canary 50%');
      // The analysis over time: at least three analyses, canary and stable lines in both charts.
      await expect
        .poll(async () => Number(await service.locator('.charts').getAttribute('data-analyses')), { timeout: 30_000 })
        .toBeGreaterThanOrEqual(3);
      for (const series of ['canary', 'stable'])
        expect(await service.locator(`polyline[data-series="${series}"]`).first().getAttribute('points')).toMatch(
          /^\d+,\d+ \d+,\d+/,
        );
      const replicas = await service.locator('table.replicas tbody tr').allTextContents();
      expect(replicas.some((row) => /r2.*running.*in rotation \(canary\)/.test(row))).toBe(true);
      expect(replicas.filter((row) => /r1.*running.*in rotation \(stable\)/.test(row))).toHaveLength(2);
      const timeline = await service.locator('ol.timeline').textContent();
      expect(timeline).toMatch(/shop-\S+ r1 admitted/);
      expect(timeline).toMatch(/canary step 1: weight 50%/);
      expect(await service.locator('table.revisions tbody tr').count()).toBe(2);
      await page.screenshot({ path: path.join(shots, 'deploys.png'), fullPage: true });

      // A read-only token may look but not act.
      const viewer = await fetch(`${url}/api/services/shop/rollback`, {
        method: 'POST',
        headers: { authorization: `Bearer ${viewerToken}` },
      });
      expect(viewer.status).toBe(403);

      await service.locator('button[data-action="promote"]').click();
      await expect.poll(() => page.textContent('#deploy-notice')).toBe('promote of shop requested');
      expect((await canary).status).toBe('deployed');
      await expect.poll(() => service.locator('h2').textContent(), { timeout: 30_000 }).toMatch(/idle revision 2$/);

      await service.locator('button[data-action="rollback"]').click();
      await expect.poll(() => page.textContent('#deploy-notice')).toBe('rollback of shop requested');
      await expect.poll(() => service.locator('h2').textContent(), { timeout: 60_000 }).toMatch(/idle revision 1$/);
      await expect.poll(() => service.locator('ol.timeline').textContent()).toMatch(/rollout of revision 1 \(/);
      expect((await load.stop()).failed).toBe(0);
    } finally {
      await load.stop();
      await canary?.catch(() => undefined);
    }
  }, 180_000);
});
