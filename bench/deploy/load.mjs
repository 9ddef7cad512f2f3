// Constant load on a URL, the .mjs twin of test/helpers/load-generator.ts: `clients` keep-alive clients each
// in a tight loop, plus `rate` requests per second on fresh connections. A request fails when it is not 2xx,
// is reset or errors, or takes longer than `timeoutMs` in all. Failures keep their time, for the report.
import { Agent, request } from 'node:http';
import { now, sleep } from './util.mjs';

export function startLoad(url, { clients = 4, rate = 100, timeoutMs = 2000 } = {}) {
  const report = { requests: 0, failed: 0, failures: {}, failedAt: [], bodies: {} };
  let running = true;
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const fail = (reason, started) => {
    report.failed += 1;
    report.failures[reason] = (report.failures[reason] ?? 0) + 1;
    report.failedAt.push(started);
  };
  const once = (useAgent) =>
    new Promise((resolve) => {
      report.requests += 1;
      const started = now();
      let settled = false;
      const finish = (reason, body) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (reason) fail(reason, started);
        else report.bodies[body] = (report.bodies[body] ?? 0) + 1;
        resolve();
      };
      const req = request(url, { agent: useAgent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () =>
          finish(res.statusCode < 200 || res.statusCode >= 300 ? `status ${res.statusCode}` : undefined, body.trim()),
        );
        res.on('error', (error) => finish(error.code ?? error.message));
      });
      const timer = setTimeout(() => {
        finish(`slower than ${timeoutMs / 1000}s`);
        req.destroy();
      }, timeoutMs);
      req.on('error', (error) => finish(error.code ?? error.message));
      req.end();
    });
  const loops = Array.from({ length: clients }, async () => {
    while (running) await once(agent);
  });
  const inflight = new Set();
  const ticker = setInterval(() => {
    const p = once(false).then(() => inflight.delete(p));
    inflight.add(p);
  }, 1000 / rate);
  return {
    stop: async () => {
      running = false;
      clearInterval(ticker);
      await Promise.all([...loops, ...inflight]);
      agent.destroy();
      return report;
    },
  };
}

/**
 * Runs `update(t0)` under load: the load starts 1 s before and stops 1 s after it, and failure times are made
 * relative to t0. `update` resolves with its own figures (ms since t0).
 */
export async function underLoad(url, update) {
  const load = startLoad(url);
  let figures;
  let t0;
  try {
    await sleep(1000);
    t0 = now();
    figures = await update(t0);
    await sleep(1000);
  } catch (error) {
    await load.stop();
    throw error;
  }
  const report = await load.stop();
  report.failedAt = report.failedAt.map((at) => at - t0);
  return { ...figures, load: report };
}
