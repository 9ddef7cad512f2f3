import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createHealthHandler } from '../../../packages/runner/src/worker/health-handler.js';
import { RunnerMetrics } from '../../../packages/runner/src/worker/runner-metrics.js';
import type { Runner, RunnerHealth } from '../../../packages/runner/src/worker/start-runner.js';

function fakeRunner(health: Partial<RunnerHealth>): Runner {
  const metrics = new RunnerMetrics();
  metrics.runsFinished.inc({ status: 'success' }, 3);
  return {
    id: 'alpha',
    metrics,
    health: () => ({ ok: true, id: 'alpha', redis: 'up', draining: false, runs: [], queues: ['runs'], ...health }),
    stop: async () => undefined,
    cancelRuns: () => undefined,
  };
}

async function get(
  runner: Runner | undefined,
  url: string,
): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  return new Promise((resolve) => {
    let status = 0;
    let headers: Record<string, string> = {};
    const response = {
      writeHead(code: number, head: Record<string, string> = {}) {
        status = code;
        headers = head;
        return response;
      },
      end(body = '') {
        resolve({ status, headers, body });
      },
    };
    createHealthHandler(() => runner)({ method: 'GET', url } as IncomingMessage, response as unknown as ServerResponse);
  });
}

describe('the runner health handler', () => {
  it('answers /healthz with 200 while the runner takes runs, 503 once it drains', async () => {
    const ready = await get(fakeRunner({}), '/healthz');
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toMatchObject({ ok: true, redis: 'up' });
    expect((await get(fakeRunner({ ok: false, draining: true }), '/healthz')).status).toBe(503);
    expect((await get(undefined, '/healthz')).status).toBe(503);
  });

  it('serves the Prometheus metrics in text format', async () => {
    const metrics = await get(fakeRunner({}), '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.headers['content-type']).toMatch(/^text\/plain/);
    expect(metrics.body).toContain('ferry_runner_runs_finished_total{status="success"} 3');
  });

  it('answers anything else with 404', async () => {
    expect((await get(fakeRunner({}), '/admin')).status).toBe(404);
  });
});
