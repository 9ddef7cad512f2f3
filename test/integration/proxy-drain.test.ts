import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProxyClient } from '../../packages/engine/src/proxy/proxy-client.js';
import { startProxyServer } from '../../packages/engine/src/proxy/proxy-server.js';
import type { ProxyServer } from '../../packages/engine/src/proxy/proxy-server.js';
import { keepAliveLoad, send, startBackend } from '../helpers/proxy-backends.js';
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

async function replicas(prefix: string, count: number): Promise<TestBackend[]> {
  const started = await Promise.all(Array.from({ length: count }, (_, i) => startBackend(`${prefix}-${i + 1}`)));
  backends.push(...started);
  return started;
}

async function service(name: string, members: TestBackend[], drainTimeoutMs = 30_000): Promise<string> {
  const view = await client.putService(name, { listen: 0, drainTimeoutMs });
  for (const member of members)
    await client.addBackend(name, { id: member.id, address: member.address, pool: 'stable' });
  return `http://127.0.0.1:${view.listen}`;
}

const inFlight = async (name: string, id: string) =>
  (await client.getService(name))?.backends.find((b) => b.id === id)?.inFlight ?? 0;

describe('proxy drain', () => {
  it('lets a slow in-flight request finish while new requests go elsewhere, and returns after it', async () => {
    const [a, b] = await replicas('slow', 2);
    const url = await service('slow', [a!, b!]);
    let slowDoneAt = 0;
    const slow = send(`${url}/?delay=1500`).then((reply) => {
      slowDoneAt = performance.now();
      return reply;
    });
    await expect.poll(() => inFlight('slow', 'slow-1')).toBe(1);

    const drainStarted = performance.now();
    let drainDoneAt = 0;
    const drain = client.drainBackend('slow', 'slow-1').then((result) => {
      drainDoneAt = performance.now();
      return result;
    });
    await expect
      .poll(async () => (await client.getService('slow'))?.backends.find((x) => x.id === 'slow-1')?.state)
      .toBe('draining');
    const during = await Promise.all(Array.from({ length: 10 }, () => send(url)));
    expect(during.map((reply) => reply.headers['x-ferry-backend'])).toEqual(Array(10).fill('slow-2'));

    const reply = await slow;
    expect(reply.status).toBe(200);
    expect(reply.body).toBe('slow-1');
    expect(await drain).toEqual({ drained: true, found: true, cutRequests: 0, closedUpgrades: 0 });
    expect(drainDoneAt).toBeGreaterThanOrEqual(slowDoneAt);
    expect(drainDoneAt - drainStarted).toBeGreaterThan(1000);
    expect((await client.getService('slow'))?.backends.map((x) => x.id)).toEqual(['slow-2']);
    // Draining again is a no-op that says the backend is gone.
    expect(await client.drainBackend('slow', 'slow-1')).toMatchObject({ drained: true, found: false });
  });

  it('cuts a request still running at the drain timeout (±200 ms) and reports it', async () => {
    const [a] = await replicas('cut', 1);
    const url = await service('cut', [a!], 400);
    const slow = send(`${url}/?delay=3000`);
    await expect.poll(() => inFlight('cut', 'cut-1')).toBe(1);
    const started = performance.now();
    const result = await client.drainBackend('cut', 'cut-1');
    const took = performance.now() - started;
    expect(result).toMatchObject({ drained: true, cutRequests: 1 });
    expect(Math.abs(took - 400)).toBeLessThan(200);
    const reply = await slow;
    expect(reply.status).toBe(502);
    expect(reply.body).toMatch(/drain/);
    expect((await client.stats('cut', 10)).pools.stable.window.cut).toBe(1);
  });

  it('fails no request of 8 keep-alive clients while backends are admitted, drained and stopped', async () => {
    const [a, b, c, d] = await replicas('roll', 4);
    const url = await service('roll', [a!, b!]);
    const stop = new AbortController();
    const load = keepAliveLoad(url, 8, stop.signal);
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    await pause(300);
    // A rolling update: surge one new replica, drain and stop one old one, twice.
    await client.addBackend('roll', { id: c!.id, address: c!.address });
    await pause(200);
    await client.drainBackend('roll', a!.id);
    await a!.kill();
    await pause(200);
    await client.addBackend('roll', { id: d!.id, address: d!.address });
    await pause(200);
    await client.drainBackend('roll', b!.id);
    await b!.kill();
    await pause(300);
    stop.abort();
    const result = await load;
    expect(result.failures).toEqual([]);
    expect(result.ok).toBeGreaterThan(200);
    expect(Object.keys(result.byBackend).sort()).toEqual(['roll-1', 'roll-2', 'roll-3', 'roll-4']);
  });

  it('fails no GET when a replica dies under keep-alive load without being drained', async () => {
    const [a, b] = await replicas('crash', 2);
    const url = await service('crash', [a!, b!]);
    const stop = new AbortController();
    const load = keepAliveLoad(url, 8, stop.signal);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await a!.kill();
    await new Promise((resolve) => setTimeout(resolve, 500));
    stop.abort();
    const result = await load;
    expect(result.failures).toEqual([]);
    const stats = await client.stats('crash', 60);
    expect(stats.retries).toBeGreaterThanOrEqual(1);
  });
});
