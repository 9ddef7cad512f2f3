import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../packages/engine/src/clock.js';
import { SERVICE_LABEL } from '../../packages/engine/src/deploy/docker/docker-provider.js';
import { rollOut } from '../../packages/engine/src/deploy/roll-out.js';
import type { RolloutResult } from '../../packages/engine/src/deploy/roll-out.js';
import { ServiceState } from '../../packages/engine/src/deploy/state/service-state.js';
import type { ServiceSpec } from '../../packages/engine/src/pipeline/pipeline-schema.js';
import { startLoad } from '../helpers/load-generator.js';
import { buildVersionedImages, serviceImage } from '../helpers/versioned-service.js';
import { freePort } from '../helpers/free-port.js';
import { startDeployHarness } from '../helpers/deploy-harness.js';
import type { DeployHarness, TimedEvent } from '../helpers/deploy-harness.js';

let harness: DeployHarness;
let provider: DeployHarness['provider'];
let client: DeployHarness['client'];
let stateDir: string;

function spec(version: string, publish: number, extra: Partial<ServiceSpec> = {}): ServiceSpec {
  return {
    image: serviceImage(version),
    replicas: 4,
    port: 8080,
    publish,
    health: { http: '/healthz', interval: '1s', timeout: '1s', unhealthy: 2 },
    drainTimeout: '5s',
    stopGrace: '2s',
    strategy: { rolling: { maxSurge: 1, maxUnavailable: 0, monitor: '1s' } },
    ...extra,
  };
}

function deploy(
  name: string,
  version: string,
  publish: number,
  extra: Partial<ServiceSpec> = {},
  events: TimedEvent[] = [],
): Promise<RolloutResult> {
  return harness.deploy(name, spec(version, publish, extra), events);
}

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: body.trim() }));
    })
      .on('error', reject)
      .end();
  });
}

/** Samples containers and admitted replicas every 50 ms while a rollout runs. */
function sampleBounds(name: string): { stop: () => Promise<{ maxContainers: number; minAdmitted: number }> } {
  let running = true;
  let maxContainers = 0;
  let minAdmitted = Number.POSITIVE_INFINITY;
  const loop = (async () => {
    while (running) {
      const [replicas, backends] = await Promise.all([provider.list(name), client.backends(name)]);
      maxContainers = Math.max(maxContainers, replicas.length);
      const healthyAdmitted = backends.filter((id) => replicas.some((r) => r.id === id && r.running)).length;
      minAdmitted = Math.min(minAdmitted, healthyAdmitted);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return { maxContainers, minAdmitted };
    },
  };
}

beforeAll(async () => {
  await buildVersionedImages();
  harness = await startDeployHarness('deploy');
  ({ provider, client, stateDir } = harness);
}, 120_000);

afterAll(async () => {
  await harness?.close();
});

describe('rolling deploys on the Docker engine behind the Ferry proxy', () => {
  it('rolls v1 → v2 under load with zero failed requests, within the bounds, then v2 serves everything', async () => {
    const name = 'roll';
    const port = await freePort();
    expect((await deploy(name, 'v1', port)).status).toBe('deployed');
    expect((await get(port, '/version')).body).toBe('v1');

    const load = startLoad(`http://127.0.0.1:${port}/version`, { clients: 4, rate: 100 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const bounds = sampleBounds(name);
    const result = await deploy(name, 'v2', port);
    const sampled = await bounds.stop();
    const finishedAt = Date.now();
    // Keep the load on until it has made at least 3,000 requests (a busy machine serves fewer per second).
    for (let waited = 0; (waited < 300 || load.requests() < 3000) && waited < 20_000; waited += 100)
      await new Promise((resolve) => setTimeout(resolve, 100));
    const report = await load.stop();

    expect(result).toMatchObject({ status: 'deployed', revision: 2 });
    expect(report.failed, JSON.stringify(report.failures)).toBe(0);
    expect(report.requests).toBeGreaterThanOrEqual(3000);
    expect(sampled.maxContainers).toBeLessThanOrEqual(5);
    expect(sampled.minAdmitted).toBeGreaterThanOrEqual(4);
    expect(report.timeline.filter((entry) => entry.at > finishedAt + 50).every((entry) => entry.body === 'v2')).toBe(
      true,
    );
    const replicas = await provider.list(name);
    expect(replicas.map((r) => r.revision)).toEqual([2, 2, 2, 2]);
    console.log(
      `rolling v1→v2: ${report.requests} requests, ${report.failed} failed, max containers ${sampled.maxContainers}, min admitted ${sampled.minAdmitted}`,
    );
  });

  it.each([
    ['v3', /failed: 2 consecutive failed health checks \(GET \/healthz\): GET \/healthz → 404/],
    ['v4', /failed: exited: exited with code 1\n\s+last log lines:\n\s+crashing at start/],
  ])('rolls back %s automatically with zero failed requests', async (bad, reason) => {
    const name = `back-${bad}`;
    const port = await freePort();
    expect((await deploy(name, 'v2', port)).status).toBe('deployed');
    const load = startLoad(`http://127.0.0.1:${port}/version`, { clients: 4, rate: 100 });
    const events: TimedEvent[] = [];
    const result = await deploy(name, bad, port, {}, events);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const report = await load.stop();
    expect(result.status).toBe('rolled-back');
    expect(result.revision).toBe(1);
    expect(result.message).toMatch(reason);
    expect(report.failed, JSON.stringify(report.failures)).toBe(0);
    expect(Object.keys(report.bodies)).toEqual(['v2']);
    const replicas = await provider.list(name);
    expect(replicas.map((r) => r.revision)).toEqual([1, 1, 1, 1]);
    expect(events.some((e) => e.type === 'deploy.rollback')).toBe(true);
    const state = new ServiceState(stateDir, name);
    expect(state.journal()).toMatchObject({ phase: 'idle', active: 1, outcome: { status: 'rolled-back' } });
  });

  it('lets a slow request on an old replica finish while it drains', async () => {
    const name = 'drain';
    const port = await freePort();
    expect((await deploy(name, 'v1', port, { replicas: 1 })).status).toBe('deployed');
    const slow = get(port, '/cgi-bin/slow?2');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const result = await deploy(name, 'v2', port, { replicas: 1 });
    expect(result.status).toBe('deployed');
    expect(await slow).toEqual({ status: 200, body: 'v1' });
    expect((await get(port, '/version')).body).toBe('v2');
  });

  it('keeps exactly 10 revisions over 12 deploys, and rolls back to one of them', async () => {
    const name = 'history';
    const port = await freePort();
    for (let i = 1; i <= 12; i++) {
      const result = await deploy(name, 'v1', port, {
        replicas: 1,
        env: { DEPLOY: String(i) },
        strategy: { rolling: { monitor: 0 } },
      });
      expect(result).toMatchObject({ status: 'deployed', revision: i });
    }
    const state = new ServiceState(stateDir, name);
    expect(state.revisions().map((r) => r.number)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const again = await deploy(name, 'v1', port, {
      replicas: 1,
      env: { DEPLOY: '12' },
      strategy: { rolling: { monitor: 0 } },
    });
    expect(again.status).toBe('unchanged');
    const revision5 = state.revisions().find((r) => r.number === 5);
    const back = await rollOut(revision5!.service, {
      provider,
      router: client,
      state,
      clock: systemClock,
      deployId: 'rb',
      job: 'rollback',
      log: () => undefined,
      emit: () => undefined,
    });
    expect(back).toMatchObject({ status: 'deployed', revision: 5 });
    const replicas = await provider.list(name);
    expect(replicas.map((r) => r.revision)).toEqual([5]);
    const labels = (await harness.docker.getContainer(replicas[0]!.id).inspect()).Config.Labels;
    expect(labels[SERVICE_LABEL.service]).toBe(name);
    expect((await harness.docker.getContainer(replicas[0]!.id).inspect()).Config.Env).toContain('DEPLOY=5');
  });
});
