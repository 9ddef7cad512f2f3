import { connect } from 'node:net';
import type { Socket } from 'node:net';

/** What one request/response exchange on an upstream connection is told. */
export interface UpstreamExchange {
  data(chunk: Buffer): void;
  /** The connection closed while the exchange held it; `error` is the last socket error, if any. */
  closed(error: NodeJS.ErrnoException | undefined): void;
  timedOut(): void;
}

/**
 * One keep-alive TCP connection to a backend for the lean forwarder. Its listeners are attached once and pass
 * events to the exchange holding it; while idle (in its backend's pool) unexpected bytes, a close or the idle
 * timeout destroy it and `onIdleClose` takes it out of the pool.
 */
export class UpstreamConnection {
  readonly socket: Socket;
  exchange: UpstreamExchange | undefined;
  /** True once a response was read on it: a reset then may be the backend closing an idle connection. */
  reused = false;
  private lastError: NodeJS.ErrnoException | undefined;

  constructor(host: string, port: number, onIdleClose: (connection: UpstreamConnection) => void) {
    this.socket = connect({ host, port, noDelay: true });
    this.socket.on('data', (chunk: Buffer) => {
      if (this.exchange) this.exchange.data(chunk);
      else this.socket.destroy();
    });
    this.socket.on('error', (error: NodeJS.ErrnoException) => (this.lastError = error));
    this.socket.on('timeout', () => {
      if (this.exchange) this.exchange.timedOut();
      else this.socket.destroy();
    });
    this.socket.on('close', () => {
      const exchange = this.exchange;
      this.exchange = undefined;
      if (exchange) exchange.closed(this.lastError);
      else onIdleClose(this);
    });
  }

  get usable(): boolean {
    return !this.socket.destroyed && !this.socket.readableEnded && this.socket.writable;
  }
}
