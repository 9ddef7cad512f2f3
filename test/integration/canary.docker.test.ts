import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RolloutResult } from '../../packages/engine/src/deploy/roll-out.js';
import { ServiceState } from '../../packages/engine/src/deploy/state/service-state.js';
import type { ServiceSpec } from '../../packages/engine/src/pipeline/pipeline-schema.js';
import { startLoad } from '../helpers/load-generator.js';
import { buildVersionedImages, versionedSpec } from '../helpers/versioned-service.js';
import { freePort } from '../helpers/free-port.js';
import { startDeployHarness } from '../helpers/deploy-harness.js';
import type { DeployHarness, TimedEvent } from '../helpers/deploy-harness.js';

let harness: DeployHarness;
let provider: DeployHarness['provider'];
let stateDir: string;
type Timed = TimedEvent;

const base = (version: string, publish: number, replicas = 4): ServiceSpec => versionedSpec(version, publish, replicas);

function deploy(name: string, _version: string, spec: ServiceSpec, events: Timed[] = []): Promise<RolloutResult> {
  return harness.deploy(name, spec, events);
}

async function stableService(name: string, replicas = 2): Promise<number> {
  const port = await freePort();
  expect((await deploy(name, 'v2', base('v2', port, replicas))).status).toBe('deployed');
  return port;
}

beforeAll(async () => {
  await buildVersionedImages();
  harness = await startDeployHarness('canary');
  ({ provider, stateDir } = harness);
}, 120_000);

afterAll(async () => {
  await harness?.close();
});

describe('canary deploys behind the Ferry proxy', () => {
  it('takes a good canary through weights 25 and 50 within ±3 points, with zero failed requests', async () => {
    const name = 'good';
    const port = await freePort();
    expect((await deploy(name, 'v1', base('v1', port))).status).toBe('deployed');
    const load = startLoad(`http://127.0.0.1:${port}/version`, { clients: 4, rate: 50 });
    const events: Timed[] = [];
    const spec: ServiceSpec = {
      ...base('v2', port),
      strategy: {
        rolling: { maxSurge: 1, maxUnavailable: 0, monitor: 0 },
        canary: {
          replicas: '50%',
          steps: [
            { weight: 25, pause: '7s' },
            { weight: 50, pause: '7s' },
          ],
          analysis: { interval: '1s', window: '2s', minRequests: 10, maxErrorRate: 0.01 },
        },
      },
    };
    const result = await deploy(name, 'v2', spec, events);
    const doneAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const report = await load.stop();
    expect(result, result.message).toMatchObject({ status: 'deployed', revision: 2 });
    expect(report.failed, JSON.stringify(report.failures)).toBe(0);
    const steps = events.filter((e) => e.type === 'deploy.canary') as (Timed & { type: 'deploy.canary' })[];
    expect(steps.map((s) => s.weight)).toEqual([25, 50]);
    const promotedAt =
      events.find((e) => e.type === 'deploy.replica' && e.state === 'started' && e.at > (steps[1]?.at ?? 0))?.at ??
      doneAt;
    for (const [i, step] of steps.entries()) {
      const from = step.at + 200;
      const to = (steps[i + 1]?.at ?? promotedAt) - 50;
      const inStep = report.timeline.filter((entry) => entry.at >= from && entry.at < to);
      const share = (100 * inStep.filter((entry) => entry.body === 'v2').length) / inStep.length;
      console.log(
        `canary step weight ${step.weight}: ${inStep.length} responses, ${share.toFixed(1)}% from the canary`,
      );
      expect(inStep.length).toBeGreaterThanOrEqual(1000);
      expect(Math.abs(share - step.weight)).toBeLessThanOrEqual(3);
    }
    expect(report.timeline.filter((entry) => entry.at > doneAt + 50).every((entry) => entry.body === 'v2')).toBe(true);
    expect((await provider.list(name)).map((r) => r.revision)).toEqual([2, 2, 2, 2]);
  });

  it('aborts a canary answering 20% 5xx within 3 intervals, weight 0 at once, few errors seen by users', async () => {
    const port = await stableService('errors');
    const load = startLoad(`http://127.0.0.1:${port}/cgi-bin/app`, { clients: 2, rate: 50 });
    const events: Timed[] = [];
    const spec: ServiceSpec = {
      ...base('v5', port, 2),
      strategy: {
        canary: {
          replicas: 1,
          steps: [{ weight: 20, pause: '30s' }],
          analysis: { interval: '1s', window: '2s', minRequests: 10, maxErrorRate: 0.05 },
        },
      },
    };
    const result = await deploy('errors', 'v5', spec, events);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const report = await load.stop();
    expect(result.status).toBe('rolled-back');
    expect(result.message).toMatch(/error rate [\d.]+% is above maxErrorRate 5\.0%/);
    const weighted = events.find((e) => e.type === 'deploy.canary')!.at;
    const decided = events.find((e) => e.type === 'deploy.analysis' && e.verdict === 'fail')!.at;
    const rolledBack = events.find((e) => e.type === 'deploy.rollback')!.at;
    expect(decided - weighted).toBeLessThanOrEqual(3 * 1000 + 500);
    expect(rolledBack - decided).toBeLessThan(1000);
    const errorRate = report.failed / report.requests;
    console.log(
      `bad canary: decided ${decided - weighted} ms after the weight change; users saw ${(errorRate * 100).toFixed(2)}% errors over ${report.requests} requests`,
    );
    expect(errorRate).toBeLessThan(0.2 * 0.2 + 0.01);
    expect((await provider.list('errors')).map((r) => r.revision)).toEqual([1, 1]);
  });

  it('aborts a canary 300 ms slower than stable on maxLatencyRatio, naming p99', async () => {
    const port = await stableService('slow');
    const load = startLoad(`http://127.0.0.1:${port}/cgi-bin/app`, { clients: 2, rate: 30 });
    const spec: ServiceSpec = {
      ...base('v6', port, 2),
      strategy: {
        canary: {
          replicas: 1,
          steps: [{ weight: 30, pause: '30s' }],
          analysis: { interval: '1s', window: '3s', minRequests: 5, maxLatencyRatio: 2 },
        },
      },
    };
    const result = await deploy('slow', 'v6', spec);
    const report = await load.stop();
    expect(result.status).toBe('rolled-back');
    expect(result.message).toMatch(/p99 latency \d+ ms is above maxLatencyRatio 2 × the stable pool's p99/);
    expect(report.failed).toBe(0);
  });

  it('fails with insufficient traffic at the progress deadline when noData is hold and nothing arrives', async () => {
    const port = await stableService('quiet', 1);
    const started = Date.now();
    const spec: ServiceSpec = {
      ...base('v1', port, 1),
      progressDeadline: '3s',
      strategy: {
        canary: {
          steps: [{ weight: 50, pause: '1s' }],
          analysis: { interval: '500ms', window: '2s', minRequests: 10, maxErrorRate: 0.1, noData: 'hold' },
        },
      },
    };
    const result = await deploy('quiet', 'v1', spec);
    expect(result.status).toBe('rolled-back');
    expect(result.message).toContain('insufficient traffic');
    expect(Date.now() - started).toBeGreaterThanOrEqual(3000);
    expect((await provider.list('quiet')).map((r) => r.revision)).toEqual([1]);
  });

  it('waits at a pause: {} step until ferry promote, and aborts on ferry abort', async () => {
    const port = await stableService('manual', 1);
    const state = new ServiceState(stateDir, 'manual');
    const spec = (version: string): ServiceSpec => ({
      ...base(version, port, 1),
      strategy: { rolling: { monitor: 0 }, canary: { steps: [{ weight: 20, pause: {} }] } },
    });
    const waiting = deploy('manual', 'v1', spec('v1'));
    const started = Date.now();
    while (state.journal()?.phase !== 'canary' || state.journal()?.canary?.weight !== 20)
      await new Promise((resolve) => setTimeout(resolve, 50));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(state.journal()?.phase).toBe('canary');
    state.request('promote');
    const promoted = await waiting;
    expect(promoted).toMatchObject({ status: 'deployed', revision: 2 });
    expect(Date.now() - started).toBeGreaterThan(1500);

    const aborting = deploy('manual', 'v2', { ...spec('v2'), env: { AGAIN: '1' } });
    while (state.journal()?.phase !== 'canary' || state.journal()?.canary?.weight !== 20)
      await new Promise((resolve) => setTimeout(resolve, 50));
    state.request('abort');
    const aborted = await aborting;
    expect(aborted.status).toBe('rolled-back');
    expect(aborted.message).toContain('aborted by ferry abort');
    expect((await provider.list('manual')).map((r) => r.revision)).toEqual([2]);
  });
});
