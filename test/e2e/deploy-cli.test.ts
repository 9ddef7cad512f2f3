import { mkdtempSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ferry, ferryBin, tempRepo } from '../helpers/ferry-cli.js';
import { buildVersionedImages } from '../helpers/versioned-service.js';
import { freePort } from '../helpers/free-port.js';

const docker = new Docker();
let stateDir: string;
let repo: string;
let port: number;
let canaryPort: number;

function get(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve(body.trim()));
    })
      .on('error', reject)
      .end();
  });
}

const replicas = async (service = 'web') =>
  (await docker.listContainers({ all: true, filters: { label: [`ferry.service=${service}`] } })).map((c) => ({
    id: c.Id,
    revision: c.Labels['ferry.revision'],
    state: c.State,
  }));

async function proxyBackends(): Promise<string[]> {
  const routes = JSON.parse(readFileSync(join(stateDir, 'proxy', 'routes.json'), 'utf8'));
  const service = (routes.services ?? []).find((s: { name: string }) => s.name === 'web') ?? routes.services?.web;
  return (service?.backends ?? []).map((b: { id: string }) => b.id).sort();
}

beforeAll(async () => {
  await buildVersionedImages();
  stateDir = mkdtempSync(join(tmpdir(), 'ferry-state-'));
  port = await freePort();
  canaryPort = await freePort();
  repo = await tempRepo({
    'canary.yml': `env: { VERSION: v1 }
services:
  web2:
    image: ferry-test/versioned:\${{ env.VERSION }}
    replicas: 2
    port: 8080
    publish: ${canaryPort}
    health: { http: /healthz, interval: 1s }
    stopGrace: 1s
    strategy:
      rolling: { monitor: 0s }
      canary: { steps: [{ weight: 30, pause: 8s }] }
jobs:
  release:
    deploy: { services: [web2] }
`,
    'ferry.yml': `env: { VERSION: v1 }
services:
  web:
    image: ferry-test/versioned:\${{ env.VERSION }}
    replicas: 4
    port: 8080
    publish: ${port}
    health: { http: /healthz, interval: 1s, unhealthy: 2 }
    stopGrace: 2s
    strategy: { rolling: { maxSurge: 1, maxUnavailable: 0, monitor: 1s } }
jobs:
  release:
    deploy: { services: [web] }
`,
  });
}, 120_000);

afterAll(async () => {
  // The proxy heals services: stop it first, or it replaces the replicas removed below.
  try {
    const { pid } = JSON.parse(readFileSync(join(stateDir, 'proxy', 'proxy.json'), 'utf8'));
    process.kill(pid, 'SIGTERM');
    for (let waited = 0; waited < 10_000; waited += 100) {
      process.kill(pid, 0);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } catch {
    // no proxy was started, or it has exited
  }
  for (const replica of [...(await replicas()), ...(await replicas('web2'))])
    await docker
      .getContainer(replica.id)
      .remove({ force: true })
      .catch(() => undefined);
});

describe('ferry deploy', () => {
  it('deploys, survives a SIGKILLed deployer at several points, and converges like an uninterrupted run', async () => {
    const first = await ferry(['deploy', '--state-dir', stateDir], repo);
    expect(first.exitCode, first.all).toBe(0);
    expect(await get('/version')).toBe('v1');

    for (const killAfterMs of [600, 1400, 2400]) {
      const child = execa('node', [ferryBin, 'deploy', '--state-dir', stateDir, '--env', 'VERSION=v2'], {
        cwd: repo,
        reject: false,
      });
      await new Promise((resolve) => setTimeout(resolve, killAfterMs));
      child.kill('SIGKILL');
      await child;
      expect(['v1', 'v2']).toContain(await get('/version'));
    }
    const resumed = await ferry(['deploy', '--state-dir', stateDir, '--env', 'VERSION=v2'], repo);
    expect(resumed.exitCode, resumed.all).toBe(0);

    const running = await replicas();
    expect(running.map((r) => [r.revision, r.state])).toEqual([
      ['2', 'running'],
      ['2', 'running'],
      ['2', 'running'],
      ['2', 'running'],
    ]);
    expect(await proxyBackends()).toEqual(running.map((r) => r.id).sort());
    for (let i = 0; i < 8; i++) expect(await get('/version')).toBe('v2');

    const status = await ferry(['status', 'web', '--state-dir', stateDir], repo);
    expect(status.all).toMatch(/web · 127\.0\.0\.1:\d+ · idle · revision 2 \(ferry-test\/versioned:v2\)/);
    expect(status.all.match(/in rotation/g)).toHaveLength(4);
  });

  it('fails with the reason and exit 1 when the new version is unhealthy, with v2 still serving', async () => {
    const bad = await ferry(['deploy', '--state-dir', stateDir, '--env', 'VERSION=v3'], repo);
    expect(bad.exitCode).toBe(1);
    expect(bad.all).toMatch(
      /DEPLOY_UNHEALTHY: web: revision 3 \(ferry-test\/versioned:v3\) was rolled back to revision 2: replica ferry-web-r3-\w+ failed: 2 consecutive failed health checks/,
    );
    // The reason's first line may repeat (deploy log, step, summary); the replica's log lines are shown once.
    expect(bad.all.match(/last log lines:/g)).toHaveLength(1);
    expect(await get('/version')).toBe('v2');
    const history = await ferry(['history', 'web', '--state-dir', stateDir], repo);
    expect(history.all).toMatch(/\*\s+2 .* deployed\s+ferry-test\/versioned:v2/);
    expect(history.all).toMatch(/ 3 .* failed\s+ferry-test\/versioned:v3/);
    const nowhere = await ferry(['rollback', 'web', '--to', '9', '--state-dir', stateDir], repo);
    expect(nowhere.exitCode).toBe(2);
    expect(nowhere.all).toMatch(/DEPLOY_NOT_FOUND: service "web": no revision 9 \(kept: 1, 2, 3\)/);
    const back = await ferry(['rollback', 'web', '--to', '1', '--state-dir', stateDir], repo);
    expect(back.exitCode, back.all).toBe(0);
    expect(await get('/version')).toBe('v1');
    const down = await ferry(['scale', 'web', '2', '--state-dir', stateDir], repo);
    expect(down.exitCode, down.all).toBe(0);
    expect((await replicas()).map((r) => r.revision)).toEqual(['1', '1']);
    expect(await proxyBackends()).toHaveLength(2);
    const up = await ferry(['scale', 'web', '3', '--state-dir', stateDir], repo);
    expect(up.exitCode, up.all).toBe(0);
    expect((await replicas()).map((r) => r.revision)).toEqual(['1', '1', '1']);
    const after = await ferry(['history', 'web', '--state-dir', stateDir], repo);
    expect(after.all).not.toMatch(/^\*?\s+4 /m);
    const removed = await ferry(['remove', 'web', '--state-dir', stateDir], repo);
    expect(removed.exitCode, removed.all).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 1500)); // the proxy's healer must not bring it back
    expect(await replicas()).toEqual([]);
    expect(await proxyBackends()).toEqual([]);
    expect((await ferry(['status', 'web', '--state-dir', stateDir], repo)).exitCode).toBe(2);
  });

  it('resumes a canary pause with the time that was left after the deployer is SIGKILLed', async () => {
    const first = await ferry(['deploy', 'canary.yml', '--state-dir', stateDir], repo);
    expect(first.exitCode, first.all).toBe(0);
    const child = execa(
      'node',
      [ferryBin, 'deploy', 'canary.yml', '--json', '--state-dir', stateDir, '--env', 'VERSION=v2'],
      { cwd: repo, reject: false },
    );
    const stepStarted = await new Promise<number>((resolve) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        for (const line of chunk.toString().split('\n').filter(Boolean)) {
          const event = JSON.parse(line);
          if (event.type === 'deploy.canary') resolve(event.time);
        }
      });
    });
    await new Promise((resolve) => setTimeout(resolve, 3000));
    child.kill('SIGKILL');
    await child;
    const status = await ferry(['status', 'web2', '--state-dir', stateDir], repo);
    expect(status.all).toMatch(/canary: revision 2 at weight 30% \(step 1, \d+s left\)/);
    const resumed = await ferry(
      ['deploy', 'canary.yml', '--json', '--state-dir', stateDir, '--env', 'VERSION=v2'],
      repo,
    );
    expect(resumed.exitCode, resumed.all).toBe(0);
    const canaryEvent = resumed.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line))
      .find((event) => event.type === 'deploy.canary');
    // A loaded machine may start the resumed deploy after the 8 s pause would have ended: then nothing is left.
    const expectedLeft = Math.max(0, 8000 - (canaryEvent.time - stepStarted));
    console.log(`canary pause left after the kill: expected ~${expectedLeft} ms, resumed with ${canaryEvent.pause} ms`);
    expect(Math.abs(canaryEvent.pause - expectedLeft)).toBeLessThanOrEqual(1000);
    expect((await replicas('web2')).map((r) => r.revision)).toEqual(['2', '2']);
  });
});
