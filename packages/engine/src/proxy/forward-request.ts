import { request as httpRequest } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { clientResponseHeaders, upstreamRequestHeaders } from './forward-headers.js';
import type { AttemptOutcome } from './pool-counters.js';
import type { PoolName } from './proxy-types.js';
import { ReplayableBody } from './replayable-body.js';
import type { RoutedService } from './routed-service.js';
import type { InFlightRequest, UpstreamBackend } from './upstream-backend.js';

/** Methods a request may be sent twice with (RFC 9110 §9.2.2). */
export const idempotentMethods = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);
/** Errors before the first response byte that mean "the request did not get through": retried once. */
export const retriedErrorCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ECONNABORTED']);
/** Bodies of idempotent requests are kept up to this size so they can be sent to another backend. */
const replayLimitBytes = 1 << 20;
/** A backend that refused or reset a connection is skipped at least this long, and until a probe connects. */
export const ejectMs = 1000;
/** A request that did not get through is sent to at most this many other backends. */
export const maxRetries = 2;

export type AbortReason = 'timeout' | 'cut' | 'client';

/** How an attempt whose response had started and then broke off is counted. */
export function brokenOff(reason: AbortReason | undefined, ms: number): AttemptOutcome {
  return reason === 'timeout'
    ? { kind: 'timeout', ms }
    : reason === 'cut'
      ? { kind: 'cut', ms }
      : { kind: 'connection-error' };
}

/**
 * Forwards one client request: picks a backend, streams the request and the response, adds X-Ferry-Backend
 * and X-Ferry-Pool. A connection error before any response byte on an idempotent method is retried (at most
 * twice) on another backend (a reset of a reused keep-alive connection may retry on the same one); otherwise 502. No
 * byte from the upstream for upstreamTimeoutMs ⇒ 504. No backend ⇒ 503. A failure after the response has
 * started cuts the client's connection (its status can no longer change). Every attempt is counted in its pool.
 */
export function forwardRequest(service: RoutedService, req: IncomingMessage, res: ServerResponse): void {
  const receivedAt = performance.now();
  const retryable = idempotentMethods.has(req.method ?? 'GET');
  const body = new ReplayableBody(req, retryable ? replayLimitBytes : 0);
  const tried = new Set<string>();
  let retries = 0;
  let abandon: (() => void) | undefined;
  res.on('close', () => {
    if (!res.writableFinished) abandon?.();
  });

  const first = service.pick(req.headers.cookie);
  if (first === undefined) {
    service.counters.unrouted.record({ kind: 'response', status: 503, ms: performance.now() - receivedAt });
    reply(service, res, 503, `no backend available for service "${service.name}"`, { 'Retry-After': '1' });
    return;
  }
  attempt(first);

  function attempt(backend: UpstreamBackend): void {
    const pool: PoolName = backend.pool;
    const startedAt = performance.now();
    const ferryHeaders = { 'X-Ferry-Backend': backend.id, 'X-Ferry-Pool': pool };
    let settled = false;
    let responded = false;
    let reason: AbortReason | undefined;
    tried.add(backend.id);

    const upstream = httpRequest({
      host: backend.host,
      port: backend.port,
      method: req.method,
      path: req.url,
      headers: upstreamRequestHeaders(req),
      agent: backend.agent,
    });
    const abort = (why: AbortReason) => {
      if (settled) return;
      reason ??= why;
      upstream.destroy();
    };
    const inFlight: InFlightRequest = { cut: () => abort('cut') };
    backend.begin(inFlight);
    abandon = () => abort('client');
    const settle = (outcome: AttemptOutcome | undefined) => {
      settled = true;
      backend.end(inFlight);
      if (outcome) service.counters.pools[pool].record(outcome);
    };

    const fail = (error: NodeJS.ErrnoException | undefined) => {
      if (settled) return;
      const ms = performance.now() - startedAt;
      body.detach();
      if (reason === 'client') return settle(undefined);
      if (responded) {
        settle(brokenOff(reason, ms));
        res.destroy();
        return;
      }
      if (reason === 'timeout') {
        settle({ kind: 'timeout', ms });
        return reply(
          service,
          res,
          504,
          `backend "${backend.id}" sent nothing for ${service.config.upstreamTimeoutMs} ms`,
          ferryHeaders,
        );
      }
      if (reason === 'cut') {
        settle({ kind: 'cut', ms });
        return reply(
          service,
          res,
          502,
          `request cut: backend "${backend.id}" was drained and its drain timeout passed`,
          ferryHeaders,
        );
      }
      const code = error?.code ?? 'ECONNRESET';
      settle({ kind: 'connection-error' });
      // A reset on a reused keep-alive connection may be the backend closing it just as it was reused (it is
      // alive: not ejected, and tried again when no other backend is left) or a replica going down.
      const stale = upstream.reusedSocket && code === 'ECONNRESET';
      if (!stale) backend.eject(ejectMs);
      if (retryable && retries < maxRetries && retriedErrorCodes.has(code) && body.replayable) {
        const next =
          service.pick(req.headers.cookie, { pool, exclude: tried }) ??
          (stale ? service.pick(req.headers.cookie, { pool }) : undefined);
        if (next !== undefined) {
          retries += 1;
          service.counters.retries += 1;
          return attempt(next);
        }
      }
      reply(
        service,
        res,
        502,
        `backend "${backend.id}" failed: ${code}${error?.message ? ` (${error.message})` : ''}`,
        ferryHeaders,
      );
    };

    upstream.setTimeout(service.config.upstreamTimeoutMs, () => abort('timeout'));
    upstream.on('error', fail);
    upstream.on('close', () => {
      if (!responded) fail(undefined);
    });
    upstream.on('response', (upstreamRes) => {
      responded = true;
      if (settled) return void upstreamRes.destroy();
      const status = upstreamRes.statusCode ?? 502;
      try {
        res.writeHead(status, upstreamRes.statusMessage, clientResponseHeaders(upstreamRes.rawHeaders, ferryHeaders));
      } catch (error) {
        settle({ kind: 'response', status: 502, ms: performance.now() - startedAt });
        upstreamRes.destroy();
        return reply(
          service,
          res,
          502,
          `backend "${backend.id}" sent a response Node cannot relay: ${(error as Error).message}`,
          ferryHeaders,
        );
      }
      upstreamRes.on('end', () => {
        if (!settled) settle({ kind: 'response', status, ms: performance.now() - startedAt });
      });
      upstreamRes.on('error', fail);
      upstreamRes.on('close', () => {
        if (!upstreamRes.complete) fail(undefined);
      });
      upstreamRes.pipe(res);
    });
    body.attach(upstream);
  }
}

/** A response of the proxy's own: short plain text, logged. Cuts the connection if a response had already started. */
function reply(
  service: RoutedService,
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  service.logFailure(status, headers['X-Ferry-Backend'], text);
  if (res.headersSent) return void res.destroy();
  if (res.destroyed) return;
  const payload = `${text}\n`;
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(payload),
  });
  res.end(payload);
}
