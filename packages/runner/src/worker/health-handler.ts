import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Runner } from './start-runner.js';

/**
 * The runner's HTTP surface: `GET /healthz` (200 while it takes runs, 503 once it drains; the body says
 * whether Redis is reachable and which runs it holds) and `GET /metrics` (Prometheus text format).
 * `runner` is read per request, so the server can listen before the runner has started.
 */
export function createHealthHandler(
  runner: () => Runner | undefined,
): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    const current = runner();
    const url = new URL(request.url ?? '/', 'http://runner');
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (url.pathname === '/healthz') {
      const health = current?.health() ?? { ok: false, starting: true };
      response
        .writeHead(health.ok ? 200 : 503, { 'content-type': 'application/json' })
        .end(`${JSON.stringify(health)}\n`);
      return;
    }
    if (url.pathname === '/metrics' && current) {
      current.metrics.registry.metrics().then(
        (text) => response.writeHead(200, { 'content-type': current.metrics.registry.contentType }).end(text),
        (error: unknown) =>
          response.writeHead(500, { 'content-type': 'text/plain' }).end(`${(error as Error).message}\n`),
      );
      return;
    }
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /healthz or /metrics\n');
  };
}
