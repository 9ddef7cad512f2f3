// Webhook intake: signed GitHub push deliveries (each with its own X-GitHub-Delivery, so each queues a run)
// posted to a real `ferry serve` process over loopback with autocannon, against a real redis-server and git.
// Two paths are measured:
//   cached   — every delivery names the same commit: its pipeline was read from git once and is cached, so the
//              hot path is HTTP + HMAC + JSON + the on: filter + the enqueue (Redis);
//   git      — every delivery names a different commit: each reads its pipeline with git (ls-tree + show on a
//              bare mirror), parses and filters it, then enqueues.
// It prints accepted deliveries/s and latency p50/p99 per path, and checks that Redis holds exactly one run per
// accepted delivery (none lost, none doubled).
// Env: DELIVERIES (of the cached run, 30000), CONNECTIONS (32), COMMITS (the git run's deliveries, one per commit, 1000).
import { execFileSync, spawn } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import { printRatio } from './ratio.mjs';

const DELIVERIES = Number(process.env.DELIVERIES ?? 30000);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 32);
const COMMITS = Number(process.env.COMMITS ?? 1000);
const secret = 'bench-webhook-secret';
const root = new URL('..', import.meta.url).pathname;
const ferryBin = join(root, 'packages/cli/dist/main.js');

const tmp = mkdtempSync(join(tmpdir(), 'ferry-webhook-bench-'));
const redisServer = await startRedis();
const url = `redis://127.0.0.1:${redisServer.port}`;
let server;
try {
  const repo = makeRepo(join(tmp, 'shop'), COMMITS);
  writeFileSync(
    join(tmp, 'serve.yml'),
    `repositories:\n  - forge: github\n    name: acme/shop\n    clone: file://${repo.dir}\n`,
  );
  server = await startServe(
    ['--port', '0', '--redis', url, '--config', join(tmp, 'serve.yml'), '--workdir', join(tmp, 'serve')],
    { FERRY_GITHUB_SECRET: secret },
  );
  const redis = new Redis(url);
  const version = (await redis.info('server')).match(/redis_version:(\S+)/)?.[1];
  console.log(
    `webhook: signed GitHub push deliveries to ferry serve over loopback, ${CONNECTIONS} connections; redis ${version}, node ${process.version}`,
  );

  // Warm up: clone the mirror, read the head's pipeline once, open the queue.
  await post(server.url, repo.head, randomUUID());
  const warm = await cannon(server.url, { connections: 8, amount: 300 }, () => ({ sha: repo.head }));
  const before = await redis.zcard('ferry:runs');

  const cached = await cannon(server.url, { connections: CONNECTIONS, amount: DELIVERIES }, () => ({ sha: repo.head }));
  const afterCached = await redis.zcard('ferry:runs');

  let next = 0;
  const git = await cannon(server.url, { connections: Math.min(CONNECTIONS, 16), amount: repo.shas.length }, () => ({
    sha: repo.shas[next++ % repo.shas.length],
  }));
  const afterGit = await redis.zcard('ferry:runs');

  print('cached pipeline (same commit)', cached);
  print(`git read per delivery (${repo.shas.length} commits)`, git);
  console.log(
    `  runs queued: ${afterCached - before} for ${cached.accepted} accepted cached deliveries, ${afterGit - afterCached} for ${git.accepted} git ones (warm-up: ${warm.accepted})`,
  );
  const lost = cached.accepted - (afterCached - before) + (git.accepted - (afterGit - afterCached));
  if (lost !== 0 || cached.failed + git.failed > 0) {
    console.log(
      `  MISMATCH: ${lost} accepted deliveries without exactly one run; ${cached.failed + git.failed} failed requests`,
    );
    process.exitCode = 1;
  }
  await redis.quit();
  printRatio('webhook.git-read/cached', git.perSecond / cached.perSecond);
} finally {
  if (server) {
    server.child.kill('SIGTERM');
    await server.exited;
  }
  redisServer.stop();
  rmSync(tmp, { recursive: true, force: true });
}

function print(label, r) {
  console.log(
    `  ${label.padEnd(42)} ${r.perSecond.toFixed(0).padStart(6)} accepted/s   p50 ${r.p50.toFixed(2).padStart(7)} ms   p99 ${r.p99.toFixed(2).padStart(7)} ms   (${r.accepted} accepted, ${r.failed} failed, ${r.seconds.toFixed(2)} s)`,
  );
}

/** Runs autocannon; `pick` gives each request its commit. A request is accepted when answered 202 with a new run id. */
async function cannon(base, options, pick) {
  const bodies = new Map();
  const signed = (sha) => {
    let entry = bodies.get(sha);
    if (!entry) {
      const body = JSON.stringify(pushPayload(sha));
      entry = { body, signature: `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` };
      bodies.set(sha, entry);
    }
    return entry;
  };
  let accepted = 0;
  let failed = 0;
  const started = process.hrtime.bigint();
  // autocannon ends a run on its 1 s tick: the last answer, not its promise, says when the work was done.
  let lastAnswer = started;
  const result = await autocannon({
    url: base,
    connections: options.connections,
    amount: options.amount,
    requests: [
      {
        method: 'POST',
        path: '/hooks/github',
        setupRequest: (request) => {
          const { sha } = pick();
          const { body, signature } = signed(sha);
          return {
            ...request,
            body,
            headers: {
              'content-type': 'application/json',
              'x-github-event': 'push',
              'x-github-delivery': randomUUID(),
              'x-hub-signature-256': signature,
            },
          };
        },
        onResponse: (status, body) => {
          lastAnswer = process.hrtime.bigint();
          if (status === 202 && body.includes('"duplicate":false')) accepted += 1;
          else failed += 1;
        },
      },
    ],
  });
  const seconds = Number(lastAnswer - started) / 1e9;
  return {
    accepted,
    failed: failed + result.errors + result.timeouts,
    perSecond: accepted / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    seconds,
  };
}

async function post(base, sha, delivery) {
  const body = JSON.stringify(pushPayload(sha));
  const response = await fetch(`${base}/hooks/github`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-github-delivery': delivery,
      'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
    },
    body,
  });
  if (response.status !== 202) throw new Error(`warm-up delivery: ${response.status} ${await response.text()}`);
}

/** A push payload shaped like GitHub's (the fields Ferry reads, and the usual bulk around them). */
function pushPayload(sha) {
  const commit = {
    id: sha,
    tree_id: 'f9d2a07e9488b91af2641b26b9407fe22a451433',
    distinct: true,
    message: 'Update the checkout page',
    timestamp: '2019-05-15T15:20:30-07:00',
    url: `https://github.com/acme/shop/commit/${sha}`,
    author: { name: 'Mona Lisa Octocat', email: 'octocat@github.com', username: 'octocat' },
    committer: { name: 'GitHub', email: 'noreply@github.com', username: 'web-flow' },
    added: [],
    removed: [],
    modified: ['src/app.txt'],
  };
  return {
    ref: 'refs/heads/main',
    before: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
    after: sha,
    repository: {
      id: 186853002,
      name: 'shop',
      full_name: 'acme/shop',
      private: false,
      owner: { name: 'acme', login: 'acme', id: 21031067, type: 'Organization' },
      html_url: 'https://github.com/acme/shop',
      fork: false,
      clone_url: 'https://github.com/acme/shop.git',
      default_branch: 'main',
    },
    pusher: { name: 'octocat', email: 'octocat@github.com' },
    sender: { login: 'octocat', id: 583231, type: 'User' },
    created: false,
    deleted: false,
    forced: false,
    base_ref: null,
    compare: 'https://github.com/acme/shop/compare/6113728f27ae...0d1a26e67d8f',
    commits: [commit],
    head_commit: commit,
  };
}

/** A repository with `count` commits on main, each with the same pipeline (on: push to main). */
function makeRepo(dir, count) {
  const git = (...args) =>
    execFileSync('git', args, {
      cwd: dir,
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_CONFIG_GLOBAL: '/dev/null',
        GIT_AUTHOR_NAME: 'Bench',
        GIT_AUTHOR_EMAIL: 'b@ferry.invalid',
        GIT_COMMITTER_NAME: 'Bench',
        GIT_COMMITTER_EMAIL: 'b@ferry.invalid',
      },
    }).trim();
  execFileSync('mkdir', ['-p', dir]);
  git('init', '--quiet', '--initial-branch=main');
  writeFileSync(
    join(dir, 'ferry.yml'),
    'name: shop\non:\n  push: { branches: [main], pathsIgnore: ["docs/**"] }\njobs:\n  test:\n    image: ferry/busybox:1\n    steps:\n      - run: echo ok\n',
  );
  const shas = [];
  for (let i = 0; i < count; i += 1) {
    writeFileSync(join(dir, 'app.txt'), `${i}\n`);
    git('add', '-A');
    git('commit', '--quiet', '--no-gpg-sign', '-m', `commit ${i}`);
    shas.push(git('rev-parse', 'HEAD'));
  }
  return { dir, shas, head: shas.at(-1) };
}

/** `ferry serve` as a child process (the serve command under a two-line program until main.ts registers it). */
async function startServe(args, env) {
  const registered = execFileSync(process.execPath, [ferryBin, '--help'], { encoding: 'utf8' }).includes('serve ');
  const launcher = `
    const { Command } = await import(${JSON.stringify(new URL('../node_modules/commander/index.js', import.meta.url).href)});
    const { registerServeCommand } = await import(${JSON.stringify(new URL('../packages/cli/dist/commands/serve.js', import.meta.url).href)});
    const program = new Command('ferry').exitOverride();
    registerServeCommand(program, { io: { cwd: process.cwd(), env: process.env, stdout: process.stdout, stderr: process.stderr }, getDocker: () => undefined, setExitCode: (code) => (process.exitCode = code) });
    await program.parseAsync(process.argv.slice(1), { from: 'user' });`;
  const argv = registered
    ? [ferryBin, 'serve', ...args]
    : ['--input-type=module', '-e', launcher, '--', 'serve', ...args];
  const child = spawn(process.execPath, argv, {
    cwd: tmp,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let head = '';
  let serving;
  const listening = new Promise((resolve, reject) => {
    const onData = (chunk) => {
      // The per-delivery log lines are drained (as a terminal or journald would) but not kept.
      if (serving) return;
      head += chunk.toString();
      const match = /serving (http:\/\/[^:]+:\d+)/.exec(head);
      if (match) {
        serving = match[1];
        resolve(serving);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`ferry serve exited (${code}): ${head}`)));
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return { child, url: await listening, exited };
}

async function startRedis() {
  const port = await new Promise((resolve) => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 100; i += 1) {
    try {
      const probe = new Redis(`redis://127.0.0.1:${port}`, {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      probe.on('error', () => undefined);
      await probe.connect();
      await probe.quit();
      break;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return { port, stop: () => child.kill('SIGTERM') };
}
