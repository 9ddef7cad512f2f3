import { Agent, createServer, request } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A replica stand-in: a node http server on 127.0.0.1 answering its id, with knobs in the query string. */
export interface TestBackend {
  id: string;
  port: number;
  address: string;
  server: Server;
  /** Requests it received. */
  hits: number;
  /** Stops accepting and drops every connection (a replica that died). */
  kill(): Promise<void>;
  /** Stops accepting, lets running requests finish. */
  close(): Promise<void>;
}

/**
 * Default behaviour: 200 with body `<id>`; `?delay=ms` waits first; `?status=n` answers n; `?echo` answers
 * the request body. A custom handler replaces all of it.
 */
export async function startBackend(
  id: string,
  handler?: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<TestBackend> {
  const backend = { id, hits: 0 } as TestBackend;
  const server = createServer((req, res) => {
    backend.hits += 1;
    if (handler) return handler(req, res);
    const url = new URL(req.url ?? '/', 'http://backend');
    const delay = Number(url.searchParams.get('delay') ?? 0);
    const status = Number(url.searchParams.get('status') ?? 200);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      setTimeout(() => {
        res.writeHead(status, { 'Content-Type': 'text/plain' });
        res.end(url.searchParams.has('echo') ? Buffer.concat(chunks) : id);
      }, delay);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(backend, {
    port,
    address: `127.0.0.1:${port}`,
    server,
    kill: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  });
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One HTTP request; rejects on a connection error. */
export function send(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; agent?: Agent; timeoutMs?: number } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? 'GET',
        headers: options.headers,
        agent: options.agent ?? new Agent({ keepAlive: false }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    if (options.timeoutMs)
      req.setTimeout(options.timeoutMs, () => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

export interface LoadResult {
  ok: number;
  failures: string[];
  byBackend: Record<string, number>;
}

/**
 * `clients` keep-alive clients (one connection each) sending GETs back to back until `stop` aborts.
 * A failure is a non-2xx status, a connection error or a request slower than 2 s.
 */
export async function keepAliveLoad(url: string, clients: number, stop: AbortSignal): Promise<LoadResult> {
  const result: LoadResult = { ok: 0, failures: [], byBackend: {} };
  await Promise.all(
    Array.from({ length: clients }, async () => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      while (!stop.aborted) {
        const started = performance.now();
        try {
          const reply = await send(url, { agent, timeoutMs: 2000 });
          const backend = String(reply.headers['x-ferry-backend'] ?? '?');
          result.byBackend[backend] = (result.byBackend[backend] ?? 0) + 1;
          if (reply.status < 200 || reply.status > 299) result.failures.push(`${reply.status} ${reply.body.trim()}`);
          else if (performance.now() - started > 2000) result.failures.push('slower than 2 s');
          else result.ok += 1;
        } catch (error) {
          result.failures.push((error as Error).message);
        }
      }
      agent.destroy();
    }),
  );
  return result;
}
