import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProxyClient } from '../../packages/engine/src/proxy/proxy-client.js';
import { startProxyServer } from '../../packages/engine/src/proxy/proxy-server.js';
import type { ProxyServer } from '../../packages/engine/src/proxy/proxy-server.js';
import { send, startBackend } from '../helpers/proxy-backends.js';
import type { TestBackend } from '../helpers/proxy-backends.js';

let stateDir: string;
let proxy: ProxyServer;
let client: ProxyClient;
const backends: TestBackend[] = [];

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'ferry-proxy-'));
  proxy = await startProxyServer({ stateDir, adminPort: 0 });
  client = new ProxyClient({ url: proxy.adminUrl, token: proxy.token });
});

afterAll(async () => {
  await proxy.close();
  await Promise.all(backends.map((backend) => backend.kill()));
  rmSync(stateDir, { recursive: true, force: true });
});

async function backend(id: string, handler?: Parameters<typeof startBackend>[1]): Promise<TestBackend> {
  const started = await startBackend(id, handler);
  backends.push(started);
  return started;
}

/** A service on a free port with the given backends; returns its base URL. */
async function service(
  name: string,
  members: Array<[TestBackend, 'stable' | 'canary']>,
  options: { upstreamTimeoutMs?: number; sticky?: { cookie: string } } = {},
): Promise<string> {
  const view = await client.putService(name, { listen: 0, ...options });
  for (const [member, pool] of members) await client.addBackend(name, { id: member.id, address: member.address, pool });
  return `http://127.0.0.1:${view.listen}`;
}

async function countPools(url: string, requests: number): Promise<{ stable: number; canary: number }> {
  const counts = { stable: 0, canary: 0 };
  for (let i = 0; i < requests; i++) {
    const reply = await send(url);
    expect(reply.status).toBe(200);
    counts[reply.headers['x-ferry-pool'] as 'stable' | 'canary'] += 1;
  }
  return counts;
}

describe('proxy routing', () => {
  it('splits 1,000 requests by the canary weight within ±3 points (25 and 50)', async () => {
    const [s1, s2, c1] = await Promise.all([backend('w-s1'), backend('w-s2'), backend('w-c1')]);
    const url = await service('weights', [
      [s1, 'stable'],
      [s2, 'stable'],
      [c1, 'canary'],
    ]);
    for (const weight of [25, 50]) {
      await client.setCanaryWeight('weights', weight);
      const counts = await countPools(url, 1000);
      expect(Math.abs(counts.canary / 10 - weight)).toBeLessThanOrEqual(3);
    }
    // Round-robin inside the stable pool: its two backends share its requests evenly.
    expect(Math.abs(s1.hits - s2.hits)).toBeLessThanOrEqual(1);
  });

  it('marks responses with X-Ferry-Backend and X-Ferry-Pool, and falls back to the other pool when one is empty', async () => {
    const only = await backend('fb-c1');
    const url = await service('fallback', [[only, 'canary']]);
    const reply = await send(url);
    expect(reply.status).toBe(200);
    expect(reply.headers['x-ferry-backend']).toBe('fb-c1');
    expect(reply.headers['x-ferry-pool']).toBe('canary');
  });

  it('answers 503 with a short text body when the service has no backend', async () => {
    const url = await service('empty', []);
    const reply = await send(url);
    expect(reply.status).toBe(503);
    expect(reply.headers['content-type']).toMatch(/^text\/plain/);
    expect(reply.body).toBe('no backend available for service "empty"\n');
    expect((await client.stats('empty', 10)).noBackend.window).toBe(1);
  });

  it('retries a GET on another backend when its backend refuses the connection, but not a POST (502)', async () => {
    const [dead, alive] = await Promise.all([backend('r-dead'), backend('r-alive')]);
    const url = await service('retry', [
      [dead, 'stable'],
      [alive, 'stable'],
    ]);
    await dead.kill();
    // Round-robin starts at the first backend admitted: the dead one gets the first request.
    const post = await send(`${url}/orders`, {
      method: 'POST',
      body: '{"n":1}',
      headers: { 'content-type': 'application/json' },
    });
    expect(post.status).toBe(502);
    expect(post.headers['x-ferry-backend']).toBe('r-dead');
    expect(post.body).toMatch(/ECONNREFUSED/);
    expect(alive.hits).toBe(0);

    // A fresh service, so the dead backend is neither skipped (ejected) nor past its turn.
    const url2 = await service('retry-get', [
      [dead, 'stable'],
      [alive, 'stable'],
    ]);
    const get = await send(`${url2}/items`);
    expect(get.status).toBe(200);
    expect(get.headers['x-ferry-backend']).toBe('r-alive');
    const put = await send(`${url2}/items/1?echo`, { method: 'PUT', body: 'replayed body' });
    expect(put.status).toBe(200);
    expect(put.body).toBe('replayed body');
    const stats = await client.stats('retry-get', 60);
    expect(stats.pools.stable.window.connectionErrors).toBe(1);
    expect(stats.retries).toBe(1);
  });

  it('keeps a backend that refused a connection out of rotation until a probe connects, then routes to it again', async () => {
    const [dead, alive] = await Promise.all([backend('q-dead'), backend('q-alive')]);
    const url = await service('quarantine', [
      [dead, 'stable'],
      [alive, 'stable'],
    ]);
    await dead.kill();
    // Before probes, a dead backend was tried again every second (ejection expired): 3 s of traffic hit it 3 times.
    for (let i = 0; i < 30; i++) {
      expect((await send(`${url}/x`)).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect((await client.stats('quarantine', 60)).pools.stable.window.connectionErrors).toBe(1);
    const revived = createServer((_req, res) => res.end('revived'));
    await new Promise<void>((resolve) => revived.listen(dead.port, '127.0.0.1', resolve));
    try {
      const bodies = new Set<string>();
      const started = Date.now();
      while (!bodies.has('revived') && Date.now() - started < 5000) bodies.add((await send(`${url}/x`)).body);
      expect(bodies.has('revived')).toBe(true);
    } finally {
      revived.closeAllConnections();
      await new Promise((resolve) => revived.close(resolve));
    }
  });

  it('answers 504 when the upstream sends nothing within the upstream timeout', async () => {
    const hanging = await backend('t-hang', () => undefined);
    const url = await service('timeout', [[hanging, 'stable']], { upstreamTimeoutMs: 300 });
    const started = performance.now();
    const reply = await send(url);
    expect(reply.status).toBe(504);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(performance.now() - started).toBeLessThan(2000);
    expect((await client.stats('timeout', 10)).pools.stable.window.timeouts).toBe(1);
  });

  it('passes bodies, methods, status codes and repeated response headers through unchanged', async () => {
    const cookies = await backend('h-1', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        res.writeHead(201, [
          'Set-Cookie',
          'a=1',
          'Set-Cookie',
          'b=2',
          'X-Method',
          req.method ?? '',
          'X-Forwarded',
          String(req.headers['x-forwarded-for']),
          'Connection',
          'close',
        ]);
        res.end(Buffer.concat(chunks));
      });
    });
    const url = await service('headers', [[cookies, 'stable']]);
    const big = 'x'.repeat(3 * 1024 * 1024);
    const reply = await send(`${url}/upload`, { method: 'POST', body: big });
    expect(reply.status).toBe(201);
    expect(reply.body.length).toBe(big.length);
    expect(reply.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(reply.headers['x-method']).toBe('POST');
    expect(reply.headers['x-forwarded']).toBe('127.0.0.1');
  });

  it('sets X-Forwarded-Proto/-Host from the connection, appends to X-Forwarded-For, and answers two Hosts with 400', async () => {
    const echo = await backend('xf-1', (req, res) => {
      const body = JSON.stringify(req.headers);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
    const url = await service('forwarded', [[echo, 'stable']]);
    const port = Number(new URL(url).port);
    const raw = (request: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => socket.write(request));
        let text = '';
        socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
      });
    const spoofed = await raw(
      'GET / HTTP/1.1\r\nHost: shop.test\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: evil.test\r\n' +
        'X-Forwarded-For: 10.9.9.9\r\nForwarded: for=10.9.9.9;proto=https\r\nConnection: close\r\n\r\n',
    );
    expect(spoofed).toMatch(/^HTTP\/1\.1 200/);
    const seen = JSON.parse(spoofed.slice(spoofed.indexOf('\r\n\r\n') + 4)) as Record<string, string>;
    expect(seen['x-forwarded-proto']).toBe('http');
    expect(seen['x-forwarded-host']).toBe('shop.test');
    expect(seen['x-forwarded-for']).toBe('10.9.9.9, 127.0.0.1');
    expect(seen.forwarded).toBeUndefined();

    const twoHosts = await raw('GET / HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\nConnection: close\r\n\r\n');
    expect(twoHosts).toMatch(/^HTTP\/1\.1 400/);
    expect(twoHosts).toContain('more than one Host header');
    const upgrade = await raw(
      'GET / HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n',
    );
    expect(upgrade).toMatch(/^HTTP\/1\.1 400/);
  });

  it('routes by the sticky cookie: the same value always reaches the same pool', async () => {
    const [s, c] = await Promise.all([backend('st-s'), backend('st-c')]);
    const url = await service(
      'sticky',
      [
        [s, 'stable'],
        [c, 'canary'],
      ],
      { sticky: { cookie: 'ferry-canary' } },
    );
    await client.setCanaryWeight('sticky', 50);
    const pools = new Map<string, Set<string>>();
    for (let user = 0; user < 40; user++) {
      for (let round = 0; round < 3; round++) {
        const reply = await send(url, { headers: { cookie: `theme=dark; ferry-canary=user-${user}` } });
        const seen = pools.get(`user-${user}`) ?? new Set();
        seen.add(String(reply.headers['x-ferry-pool']));
        pools.set(`user-${user}`, seen);
      }
    }
    expect([...pools.values()].every((seen) => seen.size === 1)).toBe(true);
    const canaryUsers = [...pools.values()].filter((seen) => seen.has('canary')).length;
    expect(canaryUsers).toBeGreaterThan(5);
    expect(canaryUsers).toBeLessThan(35);
  });

  it('tunnels a WebSocket-style upgrade and closes it when its backend starts draining', async () => {
    const server = createServer();
    server.on('upgrade', (_req, socket) => {
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n');
      socket.on('data', (data: Buffer) => socket.write(data));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const view = await client.putService('upgrade', { listen: 0 });
    await client.addBackend('upgrade', { id: 'u-1', address: `127.0.0.1:${port}` });
    const socket = connect(view.listen, '127.0.0.1');
    let received = '';
    socket.on('data', (data: Buffer) => (received += data.toString()));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write('GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n');
    await expect.poll(() => received).toMatch(/^HTTP\/1.1 101/);
    expect(received).toMatch(/X-Ferry-Backend: u-1/i);
    socket.write('ping');
    await expect.poll(() => received).toMatch(/ping$/);
    const drained = await client.drainBackend('upgrade', 'u-1');
    expect(drained).toMatchObject({ drained: true, found: true, closedUpgrades: 1 });
    await closed;
    server.close();
  });
});
