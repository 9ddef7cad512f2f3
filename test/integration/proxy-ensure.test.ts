import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FerryError } from '../../packages/engine/src/errors.js';
import { ensureProxy } from '../../packages/engine/src/proxy/ensure-proxy.js';
import { isProcessAlive } from '../../packages/engine/src/process/is-process-alive.js';
import { readProxyInfo } from '../../packages/engine/src/proxy/state-dir.js';
import { send, startBackend } from '../helpers/proxy-backends.js';
import type { TestBackend } from '../helpers/proxy-backends.js';

// The detached proxy runs the built engine (as `ferry proxy` would): what `ferry proxy` does, minus commander.
const serverModule = new URL('../../packages/engine/dist/proxy/proxy-server.js', import.meta.url).pathname;
const proxyScript = `
  const { startProxyServer } = await import(${JSON.stringify(serverModule)});
  const server = await startProxyServer({ stateDir: process.argv[1], log: (line) => console.log(line) });
  process.once('SIGTERM', async () => { await server.close(); process.exit(0); });
`;
const command = (stateDir: string) => ['node', '--input-type=module', '-e', proxyScript, stateDir];

const stateDir = mkdtempSync(join(tmpdir(), 'ferry-proxy-'));
const pids: number[] = [];
let backend: TestBackend;

async function stop(pid: number): Promise<void> {
  process.kill(pid, 'SIGTERM');
  await expect.poll(() => isProcessAlive(pid), { timeout: 10_000 }).toBe(false);
}

beforeAll(async () => {
  if (!existsSync(serverModule))
    await execa('npx', ['tsc', '-b', 'packages/engine'], { cwd: new URL('../..', import.meta.url).pathname });
  backend = await startBackend('ens-1');
}, 120_000);

afterAll(async () => {
  for (const pid of pids) if (isProcessAlive(pid)) process.kill(pid, 'SIGTERM');
  await backend.kill();
  rmSync(stateDir, { recursive: true, force: true });
});

describe('ensureProxy', () => {
  it('starts a detached proxy when none answers, then reuses it, and a restarted one keeps serving the routes', async () => {
    const client = await ensureProxy({ stateDir, command: command(stateDir) });
    const { pid } = await client.health();
    pids.push(pid);
    expect(pid).not.toBe(process.pid);
    expect(readProxyInfo(stateDir)?.pid).toBe(pid);
    expect(readFileSync(join(stateDir, 'proxy.log'), 'utf8')).toMatch(/admin API on http:\/\/127\.0\.0\.1:\d+/);

    // A running proxy is reused: this command would fail if it ran.
    const again = await ensureProxy({ stateDir, command: ['false'] });
    expect((await again.health()).pid).toBe(pid);

    const view = await client.putService('web', { listen: 0 });
    await client.addBackend('web', { id: backend.id, address: backend.address });
    expect((await send(`http://127.0.0.1:${view.listen}`)).body).toBe('ens-1');

    await stop(pid);
    expect(readProxyInfo(stateDir)).toBeUndefined();
    const restarted = await ensureProxy({ stateDir, command: command(stateDir) });
    const next = (await restarted.health()).pid;
    pids.push(next);
    expect(next).not.toBe(pid);
    const reply = await send(`http://127.0.0.1:${view.listen}`);
    expect(reply.status).toBe(200);
    expect(reply.headers['x-ferry-backend']).toBe('ens-1');
    await stop(next);
  });

  it('fails with PROXY_UNAVAILABLE and the log tail when the proxy does not come up', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-proxy-'));
    const failure = await ensureProxy({
      stateDir: dir,
      command: ['node', '-e', 'console.error("boom: cannot bind"); process.exit(3)'],
      startTimeoutMs: 5000,
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(FerryError);
    expect((failure as FerryError).code).toBe('PROXY_UNAVAILABLE');
    expect((failure as FerryError).message).toMatch(/exited \(code 3\)/);
    expect((failure as FerryError).message).toMatch(/boom: cannot bind/);
    rmSync(dir, { recursive: true, force: true });
  });
});
