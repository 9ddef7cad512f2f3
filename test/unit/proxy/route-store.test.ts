import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RouteTable } from '../../../packages/engine/src/proxy/proxy-types.js';
import { RouteStore } from '../../../packages/engine/src/proxy/route-store.js';
import { lockStateDir, readOrCreateToken } from '../../../packages/engine/src/proxy/state-dir.js';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-routes-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const table: RouteTable = {
  version: 1,
  services: [
    {
      name: 'web',
      listen: 8080,
      drainTimeoutMs: 30_000,
      upstreamTimeoutMs: 30_000,
      sticky: null,
      canaryWeight: 10,
      backends: [{ id: 'web-1', address: '127.0.0.1:32768', pool: 'stable' }],
    },
  ],
};

describe('RouteStore', () => {
  it('loads an empty table when there is no file, and what was saved otherwise, leaving no temp files', async () => {
    const dir = tempDir();
    const store = new RouteStore(dir);
    expect(store.load()).toEqual({ version: 1, services: [] });
    await Promise.all([store.save(() => ({ version: 1, services: [] })), store.save(() => table)]);
    expect(new RouteStore(dir).load()).toEqual(table);
    expect(readdirSync(dir)).toEqual(['routes.json']);
  });

  it('refuses a corrupt file with PROXY_UNAVAILABLE naming the file and the fix', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'routes.json'), '{"version":1,"services":[{"name":"web"}]}');
    expect(() => new RouteStore(dir).load()).toThrow(/routes\.json: services\.0\.listen: .*fix or remove it/);
    writeFileSync(join(dir, 'routes.json'), '{');
    expect(() => new RouteStore(dir).load()).toThrow(/not valid JSON/);
  });
});

describe('state dir', () => {
  it('creates the token once with mode 0600 and reuses it', () => {
    const dir = tempDir();
    const token = readOrCreateToken(dir);
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(join(dir, 'token')).mode & 0o777).toBe(0o600);
    expect(readOrCreateToken(dir)).toBe(token);
  });

  it('locks the directory for one proxy and takes over a lock whose process is gone', () => {
    const dir = tempDir();
    const release = lockStateDir(dir);
    expect(() => lockStateDir(dir)).toThrow(/another proxy \(pid \d+\)/);
    release();
    writeFileSync(join(dir, 'proxy.lock'), '999999999\n');
    lockStateDir(dir)();
  });
});
