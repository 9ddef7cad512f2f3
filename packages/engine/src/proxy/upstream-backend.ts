import { Agent } from 'node:http';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Clock } from '../clock.js';
import type { BackendConfig, BackendState, BackendView, PoolName } from './proxy-types.js';
import type { Candidate } from './select-backend.js';
import { UpstreamConnection } from './upstream-connection.js';

/** A request running on a backend; `cut` aborts it (the drain deadline passed). */
export interface InFlightRequest {
  cut(): void;
}

/** Idle upstream connections are closed after this long, or 1 s before the backend's own Keep-Alive timeout. */
const idleSocketMs = 15_000;
/** A quarantined backend is probed (a TCP connect) this often until it accepts a connection. */
export const probeEveryMs = 250;
const probeTimeoutMs = 1000;

/** Resolves true when host:port accepts a TCP connection within the timeout. */
export function acceptsConnections(host: string, port: number, timeoutMs = probeTimeoutMs): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Splits "host:port" (IPv6 as "[::1]:port"); throws a message naming the field's format otherwise. */
export function parseAddress(address: string): { host: string; port: number } {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(address);
  const port = Number(match?.[3]);
  if (!match || !Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error(`expected "host:port" (e.g. "127.0.0.1:32768"), got "${address}"`);
  return { host: match[1] ?? match[2] ?? '', port };
}

/**
 * One admitted replica: its keep-alive connection pool, the requests running on it and its drain.
 * Lifecycle: admitted → draining (no new requests; upgraded connections closed at once; in-flight ones run
 * until done or the timeout, then are cut) → closed (pool destroyed). `drain` is idempotent.
 */
export class UpstreamBackend implements Candidate {
  readonly host: string;
  readonly port: number;
  readonly agent: Agent;
  state: BackendState = 'admitted';
  requests = 0;
  connectionErrors = 0;
  ejectedUntil = 0;
  private readonly inFlight = new Set<InFlightRequest>();
  /** Idle keep-alive connections of the lean forwarder, most recently used last. */
  private readonly idleConnections: UpstreamConnection[] = [];
  private readonly forgetIdle = (connection: UpstreamConnection) => {
    const index = this.idleConnections.indexOf(connection);
    if (index >= 0) this.idleConnections.splice(index, 1);
  };
  private readonly upgrades = new Set<Duplex>();
  private idle: (() => void) | undefined;
  private drained: Promise<{ cutRequests: number; closedUpgrades: number }> | undefined;
  private probing: AbortController | undefined;

  constructor(
    public config: BackendConfig,
    private readonly clock: Clock,
  ) {
    ({ host: this.host, port: this.port } = parseAddress(config.address));
    this.agent = new Agent({ keepAlive: true, scheduling: 'lifo', timeout: idleSocketMs });
  }

  get id(): string {
    return this.config.id;
  }

  get pool(): PoolName {
    return this.config.pool;
  }

  get draining(): boolean {
    return this.state === 'draining';
  }

  get ejected(): boolean {
    return this.isEjected(this.clock.now());
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  begin(request: InFlightRequest): void {
    this.requests += 1;
    this.inFlight.add(request);
  }

  end(request: InFlightRequest): void {
    this.inFlight.delete(request);
    if (this.inFlight.size === 0) this.idle?.();
  }

  /** An idle pooled connection (the most recently used) or a new one; `timeoutMs` applies while it is held. */
  acquire(timeoutMs: number): UpstreamConnection {
    let connection = this.idleConnections.pop();
    while (connection && !connection.usable) {
      connection.socket.destroy();
      connection = this.idleConnections.pop();
    }
    connection ??= new UpstreamConnection(this.host, this.port, this.forgetIdle);
    connection.socket.setTimeout(timeoutMs);
    return connection;
  }

  /**
   * Puts a connection whose exchange completed back in the pool (a draining backend closes it instead). It is
   * closed when idle for 15 s, or 1 s before the backend's announced Keep-Alive timeout, as Node's agent does.
   */
  release(connection: UpstreamConnection, backendKeepAliveMs?: number): void {
    connection.exchange = undefined;
    connection.reused = true;
    if (this.state === 'draining' || !connection.usable) return void connection.socket.destroy();
    const idleMs = backendKeepAliveMs === undefined ? idleSocketMs : Math.min(idleSocketMs, backendKeepAliveMs - 1000);
    if (idleMs <= 0) return void connection.socket.destroy();
    connection.socket.setTimeout(idleMs);
    // Paused when the last response outran its client; the next exchange must read from the start.
    if (connection.socket.isPaused()) connection.socket.resume();
    this.idleConnections.push(connection);
  }

  /** Tracks an upgraded (WebSocket) connection: it is closed when the backend starts draining. */
  trackUpgrade(socket: Duplex): void {
    if (this.state === 'draining') return void socket.destroy();
    this.upgrades.add(socket);
    socket.once('close', () => this.upgrades.delete(socket));
  }

  /**
   * After a connection error: skip this backend (used only when nothing else is left) until a TCP probe
   * shows it accepts connections again, and for at least `ms`. Live traffic never re-tests a dead backend.
   */
  eject(ms: number): void {
    this.connectionErrors += 1;
    this.quarantine(ms);
  }

  /**
   * Skips the backend until it accepts a TCP connection (probed every 250 ms), and for at least `minMs`. A
   * restarted proxy quarantines every backend it loads from routes.json, so it checks each before routing to it.
   */
  quarantine(minMs = 0): void {
    this.ejectedUntil = Number.POSITIVE_INFINITY;
    if (this.probing || this.state === 'draining') return;
    const probing = new AbortController();
    this.probing = probing;
    const earliest = this.clock.now() + minMs;
    void (async () => {
      try {
        while (!probing.signal.aborted) {
          if (await acceptsConnections(this.host, this.port)) {
            if (probing.signal.aborted) return;
            const wait = earliest - this.clock.now();
            if (wait > 0) await this.clock.sleep(wait, probing.signal);
            this.ejectedUntil = 0;
            return;
          }
          await this.clock.sleep(probeEveryMs, probing.signal);
        }
      } catch {
        // aborted: the backend was drained or closed
      } finally {
        if (this.probing === probing) this.probing = undefined;
      }
    })();
  }

  isEjected(now: number): boolean {
    return this.ejectedUntil > now;
  }

  drain(timeoutMs: number): Promise<{ cutRequests: number; closedUpgrades: number }> {
    this.drained ??= this.runDrain(timeoutMs);
    return this.drained;
  }

  /** Destroys the connection pool and anything still running on it. */
  close(): void {
    this.probing?.abort();
    for (const request of [...this.inFlight]) request.cut();
    for (const socket of this.upgrades) socket.destroy();
    this.closeIdle();
    this.agent.destroy();
  }

  private closeIdle(): void {
    for (const connection of this.idleConnections.splice(0)) connection.socket.destroy();
  }

  view(): BackendView {
    return {
      ...this.config,
      state: this.state,
      inFlight: this.inFlight.size,
      requests: this.requests,
      connectionErrors: this.connectionErrors,
      ejectedUntil: !this.isEjected(this.clock.now())
        ? null
        : Number.isFinite(this.ejectedUntil)
          ? new Date(this.ejectedUntil).toISOString()
          : 'until a probe connects',
    };
  }

  private async runDrain(timeoutMs: number): Promise<{ cutRequests: number; closedUpgrades: number }> {
    this.state = 'draining';
    this.probing?.abort();
    this.closeIdle();
    const closedUpgrades = this.upgrades.size;
    for (const socket of this.upgrades) socket.destroy();
    let cutRequests = 0;
    if (this.inFlight.size > 0) {
      const stop = new AbortController();
      const idle = new Promise<void>((resolve) => (this.idle = resolve));
      const deadline = this.clock.sleep(timeoutMs, stop.signal).then(
        () => true,
        () => false,
      );
      const timedOut = await Promise.race([idle.then(() => false), deadline]);
      stop.abort();
      if (timedOut) {
        cutRequests = this.inFlight.size;
        for (const request of [...this.inFlight]) request.cut();
      }
    }
    this.closeIdle();
    this.agent.destroy();
    return { cutRequests, closedUpgrades };
  }
}
