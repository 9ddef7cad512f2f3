// The proxy's cost: N keep-alive clients send GETs back to back, first straight to a backend (the floor),
// then through the Ferry proxy to the same backend, then through comparisons: a minimal node:http proxy, a
// plain TCP pipe in Node (the ceiling of any Node proxy: no HTTP at all) and HAProxy when `haproxy` is installed.
// Prints throughput and p50/p99 latency of each, and what the proxy adds. Backend and proxies run in processes
// of their own; the load generator runs here.
// Needs the built engine (npm run build). CLIENTS (default 8), SECONDS per path (default 5, split over ROUNDS turns,
// default 3), BODY bytes (default 64),
// PROFILE=<dir> for a CPU profile of the proxy.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { printRatio } from './ratio.mjs';

const clients = Number(process.env.CLIENTS ?? 8);
const seconds = Number(process.env.SECONDS ?? 5);
const rounds = Number(process.env.ROUNDS ?? 3);
const bodyBytes = Number(process.env.BODY ?? 64);
const engine = new URL('../packages/engine/dist/', import.meta.url).pathname;

/** Starts `node -e script` and resolves with the first line it prints (the port) and the child. */
async function child(script, args = [], flags = []) {
  const proc = spawn(process.execPath, [...flags, '--input-type=module', '-e', script, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  for await (const chunk of proc.stdout) {
    out += chunk;
    if (out.includes('\n')) break;
  }
  return { proc, line: out.split('\n')[0] };
}

const backendScript = `
  import { createServer } from 'node:http';
  const body = Buffer.alloc(${bodyBytes}, 'x');
  const server = createServer((req, res) => { req.resume(); req.on('end', () => { res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': body.length }); res.end(body); }); });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

const proxyScript = `
  const { startProxyServer } = await import(${JSON.stringify(`${engine}proxy/proxy-server.js`)});
  const { ProxyClient } = await import(${JSON.stringify(`${engine}proxy/proxy-client.js`)});
  const server = await startProxyServer({ stateDir: process.argv[1], adminPort: 0 });
  const client = new ProxyClient({ url: server.adminUrl, token: server.token });
  const view = await client.putService('bench', { listen: 0 });
  await client.addBackend('bench', { id: 'bench-1', address: process.argv[2] });
  console.log(view.listen);
  process.once('SIGTERM', async () => { await server.close(); process.exit(0); });
`;

// The floor of any proxy written in Node: node:http in, a keep-alive agent out, piped, nothing else.
const minimalScript = `
  import { Agent, createServer, request } from 'node:http';
  const [host, port] = process.argv[1].split(':');
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const server = createServer((req, res) => {
    const upstream = request({ host, port, path: req.url, method: req.method, headers: req.headers, agent }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => { res.writeHead(502); res.end(); });
    req.pipe(upstream);
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

// A TCP pipe per client connection: what a Node proxy costs with no HTTP parsing at all.
const pipeScript = `
  import { connect, createServer } from 'node:net';
  const [host, port] = process.argv[1].split(':');
  const server = createServer((client) => {
    const upstream = connect({ host, port: Number(port), noDelay: true });
    client.setNoDelay(true);
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

/** A free port on 127.0.0.1 (for HAProxy, which cannot report the one it got). */
async function freePort() {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** HAProxy in HTTP mode with keep-alive to the backend, one thread; undefined when it is not installed. */
async function startHaproxy(dir, backendAddress) {
  if (spawnSync('haproxy', ['-v']).status !== 0) return undefined;
  const port = await freePort();
  const config = join(dir, 'haproxy.cfg');
  writeFileSync(
    config,
    [
      'global',
      '  nbthread 1',
      'defaults',
      '  mode http',
      '  option http-keep-alive',
      '  timeout connect 5s',
      '  timeout client 60s',
      '  timeout server 60s',
      'frontend bench',
      `  bind 127.0.0.1:${port}`,
      '  default_backend bench',
      'backend bench',
      `  server bench-1 ${backendAddress}`,
      '',
    ].join('\n'),
  );
  const proc = spawn('haproxy', ['-db', '-f', config], { stdio: ['ignore', 'ignore', 'inherit'] });
  for (let tries = 0; tries < 100; tries++) {
    const up = await new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1', () => resolve(socket.destroy() ?? true));
      socket.on('error', () => resolve(false));
    });
    if (up) return { proc, port };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  proc.kill('SIGTERM');
  return undefined;
}

/** One result from the runs of one path: requests over the total time, quantiles over every latency. */
function merge(results, durationMs) {
  const latencies = results.flatMap((result) => result.latencies).sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  const failures = results.reduce((sum, result) => sum + result.failures, 0);
  return { rps: latencies.length / (durationMs / 1000), p50: at(0.5), p99: at(0.99), failures };
}

async function load(url, durationMs) {
  const latencies = [];
  let failures = 0;
  const deadline = performance.now() + durationMs;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      while (performance.now() < deadline) {
        const started = performance.now();
        try {
          const status = await new Promise((resolve, reject) => {
            const req = request(url, { agent }, (res) => {
              res.resume();
              res.on('end', () => resolve(res.statusCode));
              res.on('error', reject);
            });
            req.on('error', reject);
            req.end();
          });
          if (status !== 200) failures += 1;
          latencies.push(performance.now() - started);
        } catch {
          failures += 1;
        }
      }
      agent.destroy();
    }),
  );
  return { latencies, failures };
}

const stateDir = mkdtempSync(join(tmpdir(), 'ferry-proxy-bench-'));
const backend = await child(backendScript);
const backendAddress = `127.0.0.1:${backend.line}`;
// PROFILE=dir writes a CPU profile of the Ferry proxy there (open it in Chrome's DevTools or speedscope).
const proxy = await child(
  proxyScript,
  [stateDir, backendAddress],
  process.env.PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PROFILE}`] : [],
);
const minimal = await child(minimalScript, [backendAddress]);
const pipe = await child(pipeScript, [backendAddress]);
const haproxy = await startHaproxy(stateDir, backendAddress);
const children = [proxy.proc, backend.proc, minimal.proc, pipe.proc, ...(haproxy ? [haproxy.proc] : [])];
try {
  // Paths take turns, ROUNDS times, so that a change of the machine's load hits each of them alike.
  const paths = [
    ['direct', `http://${backendAddress}/`],
    ['ferry', `http://127.0.0.1:${proxy.line}/`],
    ['minimal', `http://127.0.0.1:${minimal.line}/`],
    ['tcp', `http://127.0.0.1:${pipe.line}/`],
    ...(haproxy ? [['haproxy', `http://127.0.0.1:${haproxy.port}/`]] : []),
  ];
  const runs = Object.fromEntries(paths.map(([name]) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const [name, url] of paths) {
      await load(url, 700);
      runs[name].push(await load(url, (seconds * 1000) / rounds));
    }
  }
  const merged = (name) => merge(runs[name], seconds * 1000);
  const [floor, through, node, tcp] = ['direct', 'ferry', 'minimal', 'tcp'].map(merged);
  const haproxyResult = haproxy ? merged('haproxy') : undefined;
  const row = (name, r) =>
    `  ${name.padEnd(14)} ${r.rps.toFixed(0).padStart(7)} req/s   p50 ${r.p50.toFixed(3)} ms   p99 ${r.p99.toFixed(3)} ms   failed ${r.failures}`;
  console.log(
    `proxy bench: ${clients} keep-alive clients, ${seconds} s per path in ${rounds} turns, ${bodyBytes}-byte responses, node ${process.version}`,
  );
  console.log(row('direct', floor));
  console.log(row('through proxy', through));
  console.log(row('minimal node', node));
  console.log(row('node tcp pipe', tcp));
  console.log(
    haproxyResult
      ? row('haproxy', haproxyResult)
      : '  haproxy        not installed (apt-get install haproxy to compare)',
  );
  console.log(
    `  proxy adds     p50 +${(through.p50 - floor.p50).toFixed(3)} ms   p99 +${(through.p99 - floor.p99).toFixed(3)} ms   throughput ${((through.rps / floor.rps) * 100).toFixed(0)}% of direct`,
  );
  console.log(
    `  added p99 ${(through.p99 - floor.p99).toFixed(3)} ms (goal <= 1.000 ms: ${through.p99 - floor.p99 <= 1 ? 'met' : 'NOT met'})`,
  );
  console.log(
    `  a minimal node:http pass-through reaches ${((node.rps / floor.rps) * 100).toFixed(0)}% of direct (p99 +${(node.p99 - floor.p99).toFixed(3)} ms): Node's own floor on this machine`,
  );
  console.log(
    `  a TCP pipe in Node (no HTTP) reaches ${((tcp.rps / floor.rps) * 100).toFixed(0)}% of direct (p99 +${(tcp.p99 - floor.p99).toFixed(3)} ms)` +
      (haproxyResult
        ? `; HAProxy ${((haproxyResult.rps / floor.rps) * 100).toFixed(0)}% (p99 +${(haproxyResult.p99 - floor.p99).toFixed(3)} ms)`
        : ''),
  );
  printRatio('proxy.ferry/minimal-node-proxy', through.rps / node.rps);
  printRatio('proxy.throughput/direct', through.rps / floor.rps, { atLeast: 0.8 });
} finally {
  for (const proc of children) proc.kill('SIGTERM');
  await Promise.all(children.map((proc) => (proc.exitCode === null ? once(proc, 'exit') : undefined)));
  rmSync(stateDir, { recursive: true, force: true });
}
