#!/usr/bin/env node
// `npm run demo`: Ferry's whole mission on one machine. Runs pipelines/demo.yml (lint, build, a test matrix,
// the image, a smoke test), then deploys the image (pipelines/demo-deploy.yml) three times while traffic flows
// through Ferry's proxy: v1 as a rolling update to 3 replicas, v2 as a canary with analysis and promotion, and
// a deliberately broken v3 that Ferry rolls back by itself. Ends with a summary; leaves nothing running unless
// `--keep` (then it prints how to look at the service and how to stop it).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const ferryMain = join(root, 'packages/cli/dist/main.js');
const keep = process.argv.includes('--keep');
const port = 18080; // pipelines/demo-deploy.yml publishes the service here
const cwd = process.env.FERRY_DEMO_CWD ?? process.cwd();
const stateDir = mkdtempSync(join(tmpdir(), 'ferry-demo-state-'));
const started = Date.now();

const say = (line = '') => process.stdout.write(`${line}\n`);
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
const count = (n) => n.toLocaleString('en-US');

/** Runs `ferry <args>`; `show` streams its output (prefixed), and the output is returned either way. */
function ferry(args, { inherit = false, prefix = '  │ ' } = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [ferryMain, ...args], {
      cwd,
      stdio: inherit ? 'inherit' : ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FERRY_STATE_DIR: stateDir },
    });
    let output = '';
    const relay = (chunk) => {
      output += chunk;
      for (const line of chunk.toString().split('\n')) if (line) process.stdout.write(`${prefix}${line}\n`);
    };
    child.stdout?.on('data', relay);
    child.stderr?.on('data', relay);
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

/** 4 keep-alive clients in a loop plus 40 requests/s on fresh connections, counted per phase. */
function startTraffic() {
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  let phase = { requests: 0, failed: 0, versions: {}, failures: {} };
  let running = true;
  const once = (useAgent) =>
    new Promise((resolve) => {
      const current = phase;
      current.requests += 1;
      const fail = (why) => {
        current.failed += 1;
        current.failures[why] = (current.failures[why] ?? 0) + 1;
        resolve();
      };
      const req = request({ host: '127.0.0.1', port, path: '/version', agent: useAgent, timeout: 3000 }, (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => {
          if (res.statusCode !== 200) return fail(`status ${res.statusCode}`);
          const version = body.trim();
          current.versions[version] = (current.versions[version] ?? 0) + 1;
          resolve();
        });
        res.on('error', (error) => fail(error.message));
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (error) => fail(error.code ?? error.message));
      req.end();
    });
  const loops = Array.from({ length: 4 }, async () => {
    while (running) await once(agent);
  });
  const inflight = new Set();
  const ticker = setInterval(() => {
    const p = once(false).finally(() => inflight.delete(p));
    inflight.add(p);
  }, 25);
  return {
    /** Ends the current phase and returns its counts. */
    phase() {
      const ended = phase;
      phase = { requests: 0, failed: 0, versions: {}, failures: {} };
      return ended;
    },
    async stop() {
      running = false;
      clearInterval(ticker);
      await Promise.all([...loops, ...inflight]);
      agent.destroy();
    },
  };
}

function portIsFree() {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host: '127.0.0.1', port }, () => server.close(() => resolve(true)));
  });
}

function proxyPid() {
  const info = join(stateDir, 'proxy', 'proxy.json');
  if (!existsSync(info)) return undefined;
  return JSON.parse(readFileSync(info, 'utf8')).pid;
}

async function cleanUp() {
  await ferry(['remove', 'slug', '--state-dir', stateDir], { prefix: '  ' });
  const pid = proxyPid();
  if (pid) {
    try {
      process.kill(pid, 'SIGTERM');
      for (let i = 0; i < 100; i++) {
        process.kill(pid, 0);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } catch {
      // gone
    }
  }
  rmSync(stateDir, { recursive: true, force: true });
}

const describeTraffic = (t) => {
  const versions = Object.entries(t.versions)
    .map(([version, n]) => `${version} ${count(n)}`)
    .join(', ');
  const failures = t.failed > 0 ? ` (${JSON.stringify(t.failures)})` : '';
  return `${count(t.requests)} requests, ${count(t.failed)} failed${failures}; served: ${versions || 'nothing'}`;
};

async function main() {
  if (!(await portIsFree())) {
    say(`demo: port 127.0.0.1:${port} is in use (a demo kept with --keep? stop it as it said), so it cannot deploy`);
    return 2;
  }
  say('━━ 1/4  the pipeline: lint, build, unit tests (matrix), image, smoke test — pipelines/demo.yml');
  const pipelineStarted = Date.now();
  const run = await ferry(['run', 'pipelines/demo.yml'], { inherit: true });
  const pipelineMs = Date.now() - pipelineStarted;
  if (run.code !== 0) {
    say(`demo: the pipeline failed (exit ${run.code}); nothing was deployed`);
    return run.code;
  }

  const rows = [];
  const deploy = async (title, version, env, expect) => {
    const at = Date.now();
    const result = await ferry([
      'deploy',
      'pipelines/demo-deploy.yml',
      '--state-dir',
      stateDir,
      '--env',
      `VERSION=${version}`,
      ...env.flatMap((e) => ['--env', e]),
    ]);
    return { title, version, ms: Date.now() - at, ...result, expect };
  };

  say(`━━ 2/4  v1: a rolling update to 3 replicas behind the proxy on 127.0.0.1:${port}`);
  const v1 = await deploy('v1 rolling', 'v1', [], 0);
  if (v1.code !== 0) {
    say('demo: the first deploy failed');
    return 1;
  }
  const traffic = startTraffic();
  await new Promise((resolve) => setTimeout(resolve, 1500));
  rows.push({ ...v1, traffic: traffic.phase(), note: 'revision 1, 3 replicas (traffic: the 1.5 s after it)' });

  say('━━ 3/4  v2: a canary at 25 % then 50 %, judged on its error rate against the stable pool, then promoted');
  const v2 = await deploy('v2 canary', 'v2', [], 0);
  rows.push({ ...v2, traffic: traffic.phase(), note: v2.code === 0 ? 'promoted to revision 2' : 'FAILED' });

  say('━━ 4/4  v3: broken on purpose (its /healthz answers 500); Ferry must roll it back by itself');
  const v3 = await deploy('v3 bad', 'v3', ['BREAK=health'], 1);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const reason = /DEPLOY_UNHEALTHY: \w+: (.*)/.exec(v3.output)?.[1] ?? 'no reason found';
  rows.push({ ...v3, traffic: traffic.phase(), note: v3.code === 1 ? reason : 'NOT rolled back' });
  await traffic.stop();

  say();
  say('━━ summary');
  say(`  pipeline      ${run.code === 0 ? 'green' : 'failed'} in ${seconds(pipelineMs)}`);
  for (const row of rows)
    say(
      `  ${row.title.padEnd(12)}  ${seconds(row.ms).padStart(6)}  ${row.note}\n${' '.repeat(24)}traffic: ${describeTraffic(row.traffic)}`,
    );
  const failed = rows.reduce((sum, row) => sum + row.traffic.failed, 0);
  const ok = rows.every((row) => row.code === row.expect) && failed === 0;
  say(`  ${ok ? 'ok' : 'NOT ok'}: ${count(failed)} failed requests in all; total ${seconds(Date.now() - started)}`);
  return ok ? 0 : 1;
}

let code = 1;
try {
  code = await main();
} finally {
  if (keep && code === 0) {
    say(`  kept running: the slug service on http://127.0.0.1:${port}/ (state in ${stateDir})`);
    say(`    npx ferry status --state-dir ${stateDir}`);
    say(`    stop it: npx ferry remove slug --state-dir ${stateDir} && kill ${proxyPid() ?? '<proxy pid>'}`);
  } else {
    await cleanUp();
    say('  left running: nothing (npm run demo -- --keep keeps the service and its proxy)');
  }
}
process.exitCode = code;
