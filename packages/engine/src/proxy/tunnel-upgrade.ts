import { request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { clientResponseHeaders, upstreamRequestHeaders } from './forward-headers.js';
import type { RoutedService } from './routed-service.js';

/**
 * Proxies an Upgrade request (WebSocket): on 101 the two sockets are piped both ways and the backend tracks the
 * connection, which is closed when the backend starts draining (kamal-proxy does the same: a long-lived
 * connection cannot be drained). Any other answer is relayed and the connection closed.
 */
export function tunnelUpgrade(service: RoutedService, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  socket.on('error', () => socket.destroy());
  const backend = service.pick(req.headers.cookie);
  if (backend === undefined) {
    service.counters.unrouted.record({ kind: 'response', status: 503, ms: 0 });
    return rawReply(
      service,
      socket,
      503,
      'Service Unavailable',
      `no backend available for service "${service.name}"`,
      undefined,
    );
  }
  const pool = backend.pool;
  const startedAt = performance.now();
  const ferryHeaders = { 'X-Ferry-Backend': backend.id, 'X-Ferry-Pool': pool };
  const upstream = httpRequest({
    host: backend.host,
    port: backend.port,
    method: req.method,
    path: req.url,
    headers: upstreamRequestHeaders(req, { upgrade: true }),
    agent: false,
  });
  upstream.setTimeout(service.config.upstreamTimeoutMs, () =>
    upstream.destroy(Object.assign(new Error('upstream timeout'), { code: 'ETIMEDOUT' })),
  );
  socket.once('close', () => upstream.destroy());

  upstream.on('upgrade', (res, upstreamSocket, upstreamHead) => {
    upstreamSocket.setTimeout(0);
    service.counters.pools[pool].record({
      kind: 'response',
      status: res.statusCode ?? 101,
      ms: performance.now() - startedAt,
    });
    if (socket.destroyed) return void upstreamSocket.destroy();
    socket.write(
      responseHead(
        res.statusCode ?? 101,
        res.statusMessage ?? 'Switching Protocols',
        clientResponseHeaders(res.rawHeaders, {
          Connection: 'Upgrade',
          ...(res.headers.upgrade ? { Upgrade: res.headers.upgrade } : {}),
          ...ferryHeaders,
        }),
      ),
    );
    if (upstreamHead.length > 0) socket.write(upstreamHead);
    if (head.length > 0) upstreamSocket.write(head);
    const close = () => {
      socket.destroy();
      upstreamSocket.destroy();
    };
    upstreamSocket.on('error', close).on('close', close);
    socket.on('close', close);
    upstreamSocket.pipe(socket);
    socket.pipe(upstreamSocket);
    backend.trackUpgrade(socket);
  });

  upstream.on('response', (res) => {
    const status = res.statusCode ?? 502;
    service.counters.pools[pool].record({ kind: 'response', status, ms: performance.now() - startedAt });
    socket.write(
      responseHead(
        status,
        res.statusMessage ?? '',
        clientResponseHeaders(res.rawHeaders, { Connection: 'close', ...ferryHeaders }),
      ),
    );
    res.pipe(socket);
  });

  upstream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'ETIMEDOUT') {
      service.counters.pools[pool].record({ kind: 'timeout', ms: performance.now() - startedAt });
      return rawReply(
        service,
        socket,
        504,
        'Gateway Timeout',
        `backend "${backend.id}" did not answer the upgrade`,
        backend.id,
      );
    }
    service.counters.pools[pool].record({ kind: 'connection-error' });
    rawReply(
      service,
      socket,
      502,
      'Bad Gateway',
      `backend "${backend.id}" failed: ${error.code ?? error.message}`,
      backend.id,
    );
  });
  upstream.end();
}

function responseHead(status: number, message: string, rawHeaders: readonly string[]): string {
  const lines = [`HTTP/1.1 ${status} ${message}`];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) lines.push(`${rawHeaders[i]}: ${rawHeaders[i + 1]}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

function rawReply(
  service: RoutedService,
  socket: Duplex,
  status: number,
  message: string,
  text: string,
  backend: string | undefined,
): void {
  service.logFailure(status, backend, text);
  if (socket.destroyed || !socket.writable) return;
  const body = `${text}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${message}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
