import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../packages/engine/src/clock.js';
import { startHealer } from '../../packages/engine/src/deploy/heal-services.js';
import type { ServiceSpec } from '../../packages/engine/src/pipeline/pipeline-schema.js';
import { startDeployHarness } from '../helpers/deploy-harness.js';
import type { DeployHarness } from '../helpers/deploy-harness.js';
import { freePort } from '../helpers/free-port.js';
import { startLoad } from '../helpers/load-generator.js';
import type { LoadReport } from '../helpers/load-generator.js';
import { buildVersionedImages, versionedSpec } from '../helpers/versioned-service.js';

// The engine is the truth (issue 12): each case runs under constant load (4 keep-alive loops and an open-loop
// rate) of at least 3,000 requests and asserts that none failed.

let harness: DeployHarness;
const healerLog: string[] = [];
let healer: { stop: () => Promise<void> } | undefined;

const spec = (version: string, publish: number, replicas = 3): ServiceSpec => versionedSpec(version, publish, replicas);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Ms until `condition` holds; on timeout, the error says what the condition last saw. The tests give 30 s: alone a
 * service heals in about 1 s (the logged figure), but beside the rest of the suite one fresh-clone run took over 10 s.
 */
async function until(
  condition: (() => Promise<boolean>) & { lastSeen?: () => string },
  timeoutMs: number,
): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await condition()) return Date.now() - started;
    await sleep(100);
  }
  throw new Error(`condition not met within ${timeoutMs} ms; last seen: ${condition.lastSeen?.() ?? '-'}`);
}

/** Runs load on the port while `during` runs, and until at least `minimum` requests were sent. */
async function underLoad(port: number, during: () => Promise<void>, minimum = 3000): Promise<LoadReport> {
  const load = startLoad(`http://127.0.0.1:${port}/version`, { clients: 4, rate: 100 });
  try {
    await sleep(300);
    await during();
    while (load.requests() < minimum) await sleep(100);
  } catch (error) {
    await load.stop();
    throw error;
  }
  return load.stop();
}

const fullCount = (name: string) => {
  let seen = '';
  const check = async () => {
    const replicas = await harness.provider.list(name);
    const routed = await harness.client.backends(name);
    seen = JSON.stringify({ replicas: replicas.map((r) => `${r.id}${r.running ? '' : ' (stopped)'}`), routed });
    return (
      replicas.length === 3 &&
      replicas.every((r) => r.running) &&
      routed.length === 3 &&
      replicas.every((r) => routed.includes(r.id))
    );
  };
  return Object.assign(check, { lastSeen: () => seen });
};

const startTheHealer = () =>
  (healer = startHealer({
    stateDir: harness.stateDir,
    provider: harness.provider,
    router: harness.client,
    clock: systemClock,
    log: (line) => healerLog.push(line),
  }));

beforeAll(async () => {
  await buildVersionedImages();
  harness = await startDeployHarness('heal');
}, 120_000);

afterAll(async () => {
  await healer?.stop();
  await harness?.close();
});

describe('healing between deploys, under load', () => {
  it('replaces a replica removed with docker rm -f within 10 s, with 0 failed requests', async () => {
    const port = await freePort();
    expect((await harness.deploy('removed', spec('v1', port))).status).toBe('deployed');
    startTheHealer();
    let healedIn = 0;
    const report = await underLoad(port, async () => {
      const [victim] = await harness.provider.list('removed');
      await harness.docker.getContainer(victim!.id).remove({ force: true });
      healedIn = await until(fullCount('removed'), 30_000);
    });
    await healer!.stop();
    console.log(`docker rm -f: full count again in ${healedIn} ms; ${report.failed} failed of ${report.requests}`);
    expect(report.failed, JSON.stringify(report.failures)).toBe(0);
    expect(report.requests).toBeGreaterThanOrEqual(3000);
    // Seen mid-removal the container is still listed, exited; once gone, only its backend is left.
    expect(healerLog.join('\n')).toMatch(
      /removed: took [\w-]+ out of rotation \((no container behind this backend|not running or unhealthy)\)/,
    );
    expect(healerLog.join('\n')).toMatch(/started ferry-removed-r1-\w+ to restore 3 replicas/);
  });

  it('replaces a replica that exited (docker kill) and takes a routed backend with no container out of rotation', async () => {
    const port = await freePort();
    expect((await harness.deploy('killed', spec('v2', port))).status).toBe('deployed');
    startTheHealer();
    const deadPort = await freePort();
    let healedIn = 0;
    const report = await underLoad(port, async () => {
      // The healer may take the ghost out while the proxy is still admitting it (a slow machine): that refusal is
      // the healer doing its work, and the check below that the ghost is gone holds either way.
      await harness.client
        .admit('killed', { id: 'ghost', address: `127.0.0.1:${deadPort}`, pool: 'stable' })
        .catch((error: unknown) => {
          if (!String(error).includes('backend "ghost" was drained while being admitted')) throw error;
        });
      const [victim] = await harness.provider.list('killed');
      await harness.docker.getContainer(victim!.id).kill();
      healedIn = await until(fullCount('killed'), 30_000);
    });
    await healer!.stop();
    console.log(`docker kill + ghost backend: healed in ${healedIn} ms; ${report.failed} failed of ${report.requests}`);
    expect(report.failed, JSON.stringify(report.failures)).toBe(0);
    expect(await harness.client.backends('killed')).not.toContain('ghost');
    expect((await harness.provider.list('killed')).filter((r) => !r.running)).toEqual([]);
  });

  it('a proxy restarted from a routes.json naming dead backends checks them before routing, then heals', async () => {
    const port = await freePort();
    expect((await harness.deploy('restored', spec('v1', port))).status).toBe('deployed');
    const before = await harness.provider.list('restored');
    await harness.restartProxy(async () => {
      for (const replica of before.slice(0, 2)) await harness.docker.getContainer(replica.id).remove({ force: true });
    });
    startTheHealer();
    let healedIn = 0;
    const report = await underLoad(port, async () => {
      healedIn = await until(fullCount('restored'), 30_000);
    });
    await healer!.stop();
    console.log(
      `restored routes with 2 dead backends: healed in ${healedIn} ms; ${report.failed} of ${report.requests}`,
    );
    expect(report.failed, JSON.stringify(report.failures)).toBe(0);
  });

  it('after a crash that lost the proxy and every replica, a deploy and a canary serve with 0 failed requests', async () => {
    const port = await freePort();
    expect((await harness.deploy('crashed', spec('v1', port))).status).toBe('deployed');
    const lost = await harness.provider.list('crashed');
    await harness.restartProxy(async () => {
      for (const replica of lost) await harness.docker.getContainer(replica.id).remove({ force: true });
    });
    expect((await harness.client.backends('crashed')).sort()).toEqual(lost.map((r) => r.id).sort());
    expect((await harness.deploy('crashed', { ...spec('v1', port), env: { AFTER: 'crash' } })).status).toBe('deployed');
    const routed = await harness.client.backends('crashed');
    expect(routed.filter((id) => lost.some((r) => r.id === id))).toEqual([]);
    const report = await underLoad(port, async () => {
      const canary: ServiceSpec = {
        ...spec('v2', port),
        strategy: {
          rolling: { maxSurge: 1, maxUnavailable: 0, monitor: 0 },
          canary: {
            steps: [{ weight: 50, pause: '2s' }],
            analysis: { interval: '500ms', window: '2s', minRequests: 10, maxErrorRate: 0.05 },
          },
        },
      };
      expect((await harness.deploy('crashed', canary)).status).toBe('deployed');
    });
    console.log(`deploy + canary after a crash: ${report.failed} failed of ${report.requests}`);
    expect(report.failed, JSON.stringify(report.failures)).toBe(0);
    expect(report.bodies['v2']).toBeGreaterThan(0);
  });
});
