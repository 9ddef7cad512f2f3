import { Agent, request } from 'node:http';

export interface LoadReport {
  requests: number;
  failed: number;
  /** Failure reasons, deduplicated with counts. */
  failures: Record<string, number>;
  /** Response bodies (versions) counted. */
  bodies: Record<string, number>;
  /** Bodies in the order seen, with time, for "every response after X". */
  timeline: { at: number; body: string; ok: boolean }[];
}

/**
 * Constant load on a URL: `clients` keep-alive clients each in a tight loop, plus `rate` requests per second
 * on fresh connections. A request fails when it is not 2xx, is reset, or takes longer than `timeoutMs`.
 */
export function startLoad(
  url: string,
  options: { clients?: number; rate?: number; timeoutMs?: number } = {},
): { stop: () => Promise<LoadReport>; requests: () => number } {
  const { clients = 4, rate = 100, timeoutMs = 2000 } = options;
  const report: LoadReport = { requests: 0, failed: 0, failures: {}, bodies: {}, timeline: [] };
  let running = true;
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const fail = (reason: string) => {
    report.failed += 1;
    report.failures[reason] = (report.failures[reason] ?? 0) + 1;
  };
  const once = (useAgent: Agent | false) =>
    new Promise<void>((resolve) => {
      report.requests += 1;
      const started = Date.now();
      const req = request(url, { agent: useAgent, timeout: timeoutMs }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          body = body.trim();
          if ((res.statusCode ?? 0) < 200 || (res.statusCode ?? 0) >= 300) {
            fail(`status ${res.statusCode}`);
            report.timeline.push({ at: Date.now(), body, ok: false });
          } else if (Date.now() - started > timeoutMs) fail('slow');
          else {
            report.bodies[body] = (report.bodies[body] ?? 0) + 1;
            report.timeline.push({ at: Date.now(), body, ok: true });
          }
          resolve();
        });
        res.on('error', (error) => {
          fail(error.message);
          resolve();
        });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (error) => {
        fail((error as NodeJS.ErrnoException).code ?? error.message);
        resolve();
      });
      req.end();
    });
  const loops = Array.from({ length: clients }, async () => {
    while (running) await once(agent);
  });
  const inflight: Promise<void>[] = [];
  const ticker = setInterval(() => {
    if (running) inflight.push(once(false));
  }, 1000 / rate);
  return {
    requests: () => report.requests,
    stop: async () => {
      running = false;
      clearInterval(ticker);
      await Promise.all([...loops, ...inflight]);
      agent.destroy();
      return report;
    },
  };
}
