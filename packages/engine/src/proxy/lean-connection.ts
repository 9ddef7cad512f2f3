import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { clientResponseHeaders, upstreamRequestHead } from './forward-headers.js';
import { brokenOff, ejectMs, idempotentMethods, maxRetries, retriedErrorCodes } from './forward-request.js';
import type { AbortReason } from './forward-request.js';
import { ChunkedScanner, parseRequestHead, parseResponseHead } from './http1-head.js';
import type { RequestHead, ResponseHead } from './http1-head.js';
import type { AttemptOutcome } from './pool-counters.js';
import type { RoutedService } from './routed-service.js';
import type { UpstreamBackend } from './upstream-backend.js';
import type { UpstreamExchange } from './upstream-connection.js';

/** Request bodies up to this size are read whole before forwarding (so a retry can resend them); larger go to Node. */
const leanBodyLimit = 1 << 20;

export interface LeanOptions {
  /** Gives the connection, with the bytes read but not forwarded, to Node's http server (from a request boundary). */
  handover(socket: Socket, pending: Buffer): void;
  /** True once the listener was replaced: responses then close the connection. */
  retiring(): boolean;
  /** Idle client connections are closed after this long. */
  keepAliveMs: number;
}

/**
 * The lean forwarder of one client connection: reads each request head from the raw bytes (strictly, see
 * http1-head), forwards the bytes of plain requests (no body, or a Content-Length body up to 1 MiB, HTTP/1.1, one
 * Host, origin-form) to a pooled upstream connection and streams the response back, following its framing to know
 * when the connection is free again. Anything else (upgrades, chunked or large bodies, Expect, HTTP/1.0, several
 * Hosts) is handed to Node's http server at the request boundary, which then keeps the connection. Requests are
 * answered in order, one at a time. Routing, retries, timeouts, drain cuts and counters are forwardRequest's.
 */
export class LeanConnection {
  private pending: Buffer = Buffer.alloc(0);
  private busy = false;
  private done = false;
  private abandon: (() => void) | undefined;
  private readonly onData = (chunk: Buffer) => {
    if (this.done) return; // refused or closing: what else the client sends is dropped
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    if (!this.busy) this.next();
    else if (this.pending.length > leanBodyLimit * 2) this.socket.pause();
  };
  private readonly onTimeout = () => {
    if (!this.busy) this.socket.destroy();
  };
  private readonly onClose = () => {
    this.done = true;
    this.abandon?.();
  };
  private readonly onError = () => this.socket.destroy();
  private clientEnded = false;
  private readonly onEnd = () => {
    this.clientEnded = true;
    if (!this.busy && !this.done) {
      this.done = true;
      this.socket.end();
    }
  };

  constructor(
    private readonly service: RoutedService,
    private readonly socket: Socket,
    private readonly options: LeanOptions,
  ) {
    socket.setNoDelay(true);
    socket.setTimeout(options.keepAliveMs);
    socket.on('data', this.onData);
    socket.on('timeout', this.onTimeout);
    socket.on('close', this.onClose);
    socket.on('error', this.onError);
    socket.on('end', this.onEnd);
  }

  /** True while no request is being answered or read (the listener may close it). */
  get idle(): boolean {
    return !this.busy && this.pending.length === 0;
  }

  /** Closes the client connection (the listener is closing). */
  close(): void {
    this.done = true;
    this.socket.destroy();
  }

  private next(): void {
    if (this.done || this.pending.length === 0) return;
    const parsed = parseRequestHead(this.pending);
    if (parsed.kind === 'incomplete') return;
    if (parsed.kind === 'error') return this.refuse(parsed.status, parsed.reason);
    const head = parsed;
    if (
      head.minor === 0 ||
      head.upgrade ||
      head.expect ||
      head.hostCount !== 1 ||
      head.contentLength < 0 ||
      head.contentLength > leanBodyLimit ||
      head.target[0] !== '/' ||
      head.method === 'CONNECT'
    )
      return this.handover();
    const size = head.length + head.contentLength;
    if (this.pending.length < size) return;
    const requestHead = upstreamRequestHead(head, this.socket.remoteAddress ?? '', false);
    const payload =
      head.contentLength === 0
        ? Buffer.from(requestHead, 'latin1')
        : Buffer.concat([Buffer.from(requestHead, 'latin1'), this.pending.subarray(head.length, size)]);
    this.pending = this.pending.subarray(size);
    this.busy = true;
    this.forward(head, payload);
  }

  /** The exchange finished: next request, or close when either side asked for it. */
  private finish(close: boolean): void {
    this.busy = false;
    this.abandon = undefined;
    if (this.done) return;
    if (close || this.clientEnded) {
      this.done = true;
      this.socket.end();
      return;
    }
    if (this.socket.isPaused()) this.socket.resume();
    this.next();
  }

  private handover(): void {
    this.done = true;
    const socket = this.socket;
    socket.off('data', this.onData);
    socket.off('timeout', this.onTimeout);
    socket.off('close', this.onClose);
    socket.off('error', this.onError);
    socket.off('end', this.onEnd);
    socket.setTimeout(0);
    socket.pause();
    this.options.handover(socket, this.pending);
  }

  /** A request the strict parser refused: the answer, then the connection is closed (its framing is unknown). */
  private refuse(status: number, reason: string): void {
    this.done = true;
    const payload = `${reason}\n`;
    this.socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Type: text/plain; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(payload)}\r\nConnection: close\r\n\r\n${payload}`,
    );
  }

  private forward(head: RequestHead, payload: Buffer): void {
    const service = this.service;
    const receivedAt = performance.now();
    const retryable = idempotentMethods.has(head.method);
    const closeAfter = head.connection.has('close') || this.options.retiring();
    const tried = new Set<string>();
    let retries = 0;

    const first = service.pick(head.cookie);
    if (first === undefined) {
      service.counters.unrouted.record({ kind: 'response', status: 503, ms: performance.now() - receivedAt });
      return this.reply(503, `no backend available for service "${service.name}"`, undefined, closeAfter, {
        'Retry-After': '1',
      });
    }
    const attempt = (backend: UpstreamBackend): void => {
      const pool = backend.pool;
      const startedAt = performance.now();
      const connection = backend.acquire(service.config.upstreamTimeoutMs);
      const reused = connection.reused;
      let settled = false;
      let reason: AbortReason | undefined;
      let response: ResponseHead | undefined;
      let head1xx: Buffer = Buffer.alloc(0);
      let remaining = 0;
      let heldHead: string | undefined;
      let scanner: ChunkedScanner | undefined;
      tried.add(backend.id);

      const abort = (why: AbortReason) => {
        if (settled) return;
        reason ??= why;
        connection.socket.destroy();
      };
      const inFlight = { cut: () => abort('cut') };
      backend.begin(inFlight);
      this.abandon = () => abort('client');
      const settle = (outcome: AttemptOutcome | undefined) => {
        settled = true;
        backend.end(inFlight);
        if (outcome) service.counters.pools[pool].record(outcome);
      };
      const complete = (reusable: boolean) => {
        const status = response?.status ?? 502;
        settle({ kind: 'response', status, ms: performance.now() - startedAt });
        if (reusable && !response?.close) backend.release(connection, response?.keepAliveMs);
        else {
          connection.exchange = undefined;
          connection.socket.destroy();
        }
        this.finish(closeAfter || response?.body.kind === 'until-close');
      };
      const fail = (error: NodeJS.ErrnoException | undefined, message?: string) => {
        if (settled) return;
        const ms = performance.now() - startedAt;
        connection.exchange = undefined;
        connection.socket.destroy();
        if (reason === 'client') return settle(undefined);
        if (response?.body.kind === 'until-close' && reason === undefined && error === undefined && !message) {
          if (heldHead !== undefined) this.socket.write(heldHead, 'latin1');
          return complete(false);
        }
        // A head not relayed yet (no body byte had come) is dropped: for the client no response has started.
        if (heldHead !== undefined) {
          response = undefined;
          heldHead = undefined;
        }
        if (response) {
          settle(brokenOff(reason, ms));
          this.done = true;
          this.socket.destroy();
          return;
        }
        const ferry = { 'X-Ferry-Backend': backend.id, 'X-Ferry-Pool': pool };
        if (reason === 'timeout') {
          settle({ kind: 'timeout', ms });
          return this.reply(
            504,
            `backend "${backend.id}" sent nothing for ${service.config.upstreamTimeoutMs} ms`,
            backend.id,
            closeAfter,
            ferry,
          );
        }
        if (reason === 'cut') {
          settle({ kind: 'cut', ms });
          return this.reply(
            502,
            `request cut: backend "${backend.id}" was drained and its drain timeout passed`,
            backend.id,
            closeAfter,
            ferry,
          );
        }
        if (message !== undefined) {
          settle({ kind: 'response', status: 502, ms });
          return this.reply(502, `backend "${backend.id}" ${message}`, backend.id, closeAfter, ferry);
        }
        const code = error?.code ?? 'ECONNRESET';
        settle({ kind: 'connection-error' });
        // As in forwardRequest: a reset of a reused connection may be the backend closing it as it was reused.
        const stale = reused && code === 'ECONNRESET';
        if (!stale) backend.eject(ejectMs);
        if (retryable && retries < maxRetries && retriedErrorCodes.has(code)) {
          const next =
            service.pick(head.cookie, { pool, exclude: tried }) ??
            (stale ? service.pick(head.cookie, { pool }) : undefined);
          if (next !== undefined) {
            retries += 1;
            service.counters.retries += 1;
            return attempt(next);
          }
        }
        this.reply(
          502,
          `backend "${backend.id}" failed: ${code}${error?.message ? ` (${error.message})` : ''}`,
          backend.id,
          closeAfter,
          ferry,
        );
      };

      /** Relays body bytes of the response; returns false once the exchange is over. */
      const relay = (chunk: Buffer, start: number): boolean => {
        const body = response?.body;
        if (body === undefined) return false;
        let end = chunk.length;
        let ended = false;
        if (body.kind === 'length') {
          end = Math.min(chunk.length, start + remaining);
          remaining -= end - start;
          ended = remaining === 0;
        } else if (body.kind === 'chunked') {
          const scanned = (scanner ??= new ChunkedScanner()).scan(chunk, start);
          if ('error' in scanned) {
            fail(undefined, `sent a response that cannot be relayed: ${scanned.error}`);
            return false;
          }
          end = start + scanned.used;
          ended = scanned.done;
        } else if (body.kind === 'none') {
          end = start;
          ended = true;
        }
        if (end > start) {
          const held = heldHead;
          heldHead = undefined;
          if (held !== undefined) {
            this.socket.cork();
            this.socket.write(held, 'latin1');
          }
          const flowing = this.socket.write(start === 0 && end === chunk.length ? chunk : chunk.subarray(start, end));
          if (held !== undefined) this.socket.uncork();
          if (!flowing) {
            connection.socket.pause();
            this.socket.once('drain', () => connection.socket.resume());
          }
        }
        if (ended) complete(end === chunk.length);
        return !ended;
      };

      const exchange: UpstreamExchange = {
        data: (chunk) => {
          if (settled) return;
          if (response) return void relay(chunk, 0);
          let buf: Buffer = head1xx.length === 0 ? chunk : Buffer.concat([head1xx, chunk]);
          for (;;) {
            const parsed = parseResponseHead(buf, head.method);
            if (parsed.kind === 'incomplete') {
              head1xx = buf;
              return;
            }
            if (parsed.kind === 'error')
              return fail(undefined, `sent a response that cannot be relayed: ${parsed.reason}`);
            if (parsed.status === 101) return fail(undefined, 'switched protocols on a request without Upgrade');
            if (parsed.status < 200) {
              buf = buf.subarray(parsed.length);
              if (buf.length === 0) {
                head1xx = buf;
                return;
              }
              continue;
            }
            response = parsed;
            if (response.body.kind === 'length') remaining = response.body.bytes;
            const headText = responseHead(
              response,
              backend.id,
              pool,
              closeAfter || response.body.kind === 'until-close',
            );
            const bodyFollows = response.body.kind === 'length' ? remaining > 0 : response.body.kind !== 'none';
            if (bodyFollows && buf.length === parsed.length) {
              // Held until the first body byte: should the upstream fail before it, the request can still be retried.
              heldHead = headText;
              return;
            }
            this.socket.cork();
            this.socket.write(headText, 'latin1');
            relay(buf, parsed.length);
            this.socket.uncork();
            return;
          }
        },
        closed: (error) => fail(error),
        timedOut: () => abort('timeout'),
      };
      connection.exchange = exchange;
      connection.socket.write(payload);
    };
    attempt(first);
  }

  /** A response of the proxy's own: short plain text, logged. */
  private reply(
    status: number,
    text: string,
    backend: string | undefined,
    close: boolean,
    headers: Record<string, string> = {},
  ): void {
    this.service.logFailure(status, backend, text);
    if (this.done) return;
    const payload = `${text}\n`;
    let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n`;
    for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
    head += `Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(payload)}\r\n`;
    head += close ? 'Connection: close\r\n\r\n' : 'Connection: keep-alive\r\n\r\n';
    this.socket.write(head + payload);
    this.finish(close);
  }
}

/** The client's response head: the upstream's end-to-end fields, X-Ferry-*, and this connection's framing. */
function responseHead(response: ResponseHead, backend: string, pool: string, close: boolean): string {
  const raw: string[] = [];
  for (const [name, value] of response.fields) raw.push(name, value);
  const fields = clientResponseHeaders(raw, { 'X-Ferry-Backend': backend, 'X-Ferry-Pool': pool });
  let text = `HTTP/1.1 ${response.status} ${response.reason}\r\n`;
  for (let i = 0; i + 1 < fields.length; i += 2) text += `${fields[i]}: ${fields[i + 1]}\r\n`;
  if (response.body.kind === 'chunked') text += 'Transfer-Encoding: chunked\r\n';
  return `${text}${close ? 'Connection: close' : 'Connection: keep-alive'}\r\n\r\n`;
}
