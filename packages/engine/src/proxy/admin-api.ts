import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AdminError } from './admin-error.js';
import {
  backendInputSchema,
  checkName,
  drainInputSchema,
  parseInput,
  serviceInputSchema,
  weightsInputSchema,
} from './admin-schemas.js';
import { ringSeconds } from './pool-counters.js';
import type { ProxyRoutes } from './proxy-routes.js';
import { renderMetrics } from './render-metrics.js';

const maxBodyBytes = 64 * 1024;
const defaultWindowSeconds = 60;

type Handler = (
  params: string[],
  body: () => Promise<unknown>,
  url: URL,
) => Promise<[status: number, payload: unknown]> | [number, unknown];

/**
 * The admin API (JSON over HTTP on loopback). /healthz and /metrics are open — read-only, and a Prometheus
 * scraper should not need the token; everything under /v1 needs `Authorization: Bearer <token>`.
 * Errors are `{ error: { status, message, field? } }`.
 */
export function createAdminHandler(
  routes: ProxyRoutes,
  token: string,
): (req: IncomingMessage, res: ServerResponse) => void {
  const tokenDigest = digest(token);
  const routesTable: Array<{ pattern: RegExp; methods: Record<string, Handler> }> = [
    { pattern: /^\/v1\/services$/, methods: { GET: () => [200, { services: routes.list() }] } },
    {
      pattern: /^\/v1\/services\/([^/]+)$/,
      methods: {
        GET: ([name]) => [200, routes.get(service(name)).view()],
        PUT: async ([name], body) => {
          const { created, service: view } = await routes.putService(
            service(name),
            parseInput(serviceInputSchema, await body()),
          );
          return [created ? 201 : 200, view];
        },
        DELETE: async ([name]) => {
          await routes.deleteService(service(name));
          return [200, { deleted: true }];
        },
      },
    },
    {
      pattern: /^\/v1\/services\/([^/]+)\/backends$/,
      methods: {
        GET: ([name]) => [200, { backends: routes.get(service(name)).view().backends }],
        POST: async ([name], body) => {
          const { created, backend } = await routes.admit(service(name), parseInput(backendInputSchema, await body()));
          return [created ? 201 : 200, backend];
        },
      },
    },
    {
      pattern: /^\/v1\/services\/([^/]+)\/backends\/([^/]+)\/drain$/,
      methods: {
        POST: async ([name, id], body) => {
          const { timeoutMs } = parseInput(drainInputSchema, await body());
          return [200, await routes.drain(service(name), checkName('backend', id ?? ''), timeoutMs)];
        },
      },
    },
    {
      pattern: /^\/v1\/services\/([^/]+)\/weights$/,
      methods: {
        GET: ([name]) => [200, routes.get(service(name)).selector.weights],
        PUT: async ([name], body) => [
          200,
          await routes.setCanaryWeight(service(name), parseInput(weightsInputSchema, await body()).canary),
        ],
      },
    },
    {
      pattern: /^\/v1\/services\/([^/]+)\/promote-canary$/,
      methods: { POST: async ([name]) => [200, await routes.promoteCanary(service(name))] },
    },
    {
      pattern: /^\/v1\/services\/([^/]+)\/stats$/,
      methods: { GET: ([name], _body, url) => [200, routes.stats(service(name), windowOf(url))] },
    },
  ];

  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://admin');
    const method = req.method ?? 'GET';
    if (url.pathname === '/healthz' && (method === 'GET' || method === 'HEAD'))
      return sendJson(res, 200, { ok: true, pid: process.pid, services: routes.list().length });
    if (url.pathname === '/metrics' && (method === 'GET' || method === 'HEAD')) {
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
      return void res.end(renderMetrics(routes.routers()));
    }
    void (async () => {
      try {
        const route = routesTable.find((candidate) => candidate.pattern.test(url.pathname));
        if (!route) throw new AdminError(404, `no such endpoint: ${method} ${url.pathname}`);
        if (!authorized(req.headers.authorization, tokenDigest)) {
          res.setHeader('WWW-Authenticate', 'Bearer realm="ferry-proxy"');
          throw new AdminError(
            401,
            'missing or wrong token: send "Authorization: Bearer <token>" (the token is in <state dir>/token)',
          );
        }
        const handler = route.methods[method];
        if (!handler) {
          res.setHeader('Allow', Object.keys(route.methods).join(', '));
          throw new AdminError(
            405,
            `${method} is not allowed on ${url.pathname} (allowed: ${Object.keys(route.methods).join(', ')})`,
          );
        }
        const params = (route.pattern.exec(url.pathname) ?? []).slice(1).map((part) => safeDecode(part));
        const [status, payload] = await handler(params, () => readJson(req), url);
        sendJson(res, status, payload);
      } catch (error) {
        const status = error instanceof AdminError ? error.status : 500;
        const field = error instanceof AdminError ? error.field : undefined;
        const message = error instanceof Error ? error.message : String(error);
        sendJson(res, status, { error: { status, message, ...(field !== undefined ? { field } : {}) } });
      }
    })();
  };
}

const service = (name: string | undefined) => checkName('service', name ?? '');

function windowOf(url: URL): number {
  const raw = url.searchParams.get('window');
  if (raw === null) return defaultWindowSeconds;
  const seconds = Number(raw);
  if (!/^\d+$/.test(raw) || seconds < 1 || seconds > ringSeconds)
    throw new AdminError(400, `window: expected whole seconds 1–${ringSeconds}, got "${raw}"`, 'window');
  return seconds;
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new AdminError(400, `bad percent-encoding in the path: "${part}"`);
  }
}

const digest = (value: string) => createHash('sha256').update(value).digest();

function authorized(header: string | undefined, tokenDigest: Buffer): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1] !== undefined && timingSafeEqual(digest(match[1]), tokenDigest);
}

/** The request body as JSON; an empty body reads as {}. */
async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBodyBytes) throw new AdminError(413, `body larger than ${maxBodyBytes} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new AdminError(400, `body is not valid JSON: ${(error as Error).message}`, 'body');
  }
}

function sendJson(res: ServerResponse, status: number, payload: unknown): void {
  if (res.headersSent) return void res.end();
  const body = `${JSON.stringify(payload)}\n`;
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  res.end(body);
}
