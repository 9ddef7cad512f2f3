import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Clock } from '../clock.js';
import { AdminError } from './admin-error.js';
import { readCookie } from './forward-headers.js';
import { forwardRequest } from './forward-request.js';
import { LeanConnection } from './lean-connection.js';
import { PoolCounters } from './pool-counters.js';
import type { RoutedService, ServiceCounters } from './routed-service.js';
import type { BackendConfig, DrainResult, PoolName, ServiceConfig, ServiceStats, ServiceView } from './proxy-types.js';
import { poolNames } from './proxy-types.js';
import { BackendSelector } from './select-backend.js';
import { tunnelUpgrade } from './tunnel-upgrade.js';
import { UpstreamBackend } from './upstream-backend.js';

export interface RouterDeps {
  clock: Clock;
  log: (line: string) => void;
}

/** Idle client connections are kept this long (Node announces it in Keep-Alive: timeout=…). */
const clientKeepAliveMs = 30_000;
const rebindEveryMs = 1000;

/**
 * One service: its public listener on 127.0.0.1, its backends in two pools, the routing state and counters.
 * Mutations are synchronous (one event loop), so a request sees either the old or the new routing table.
 */
export class ServiceRouter implements RoutedService {
  readonly selector: BackendSelector;
  readonly counters: ServiceCounters;
  private readonly backends: UpstreamBackend[] = [];
  private server: Server | undefined;
  private listenError: string | null = null;
  private rebindTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    public config: ServiceConfig,
    private readonly deps: RouterDeps,
  ) {
    const now = () => deps.clock.now();
    this.counters = {
      pools: { stable: new PoolCounters(now), canary: new PoolCounters(now) },
      unrouted: new PoolCounters(now),
      retries: 0,
    };
    this.selector = new BackendSelector(config.canaryWeight);
  }

  get name(): string {
    return this.config.name;
  }

  get listening(): boolean {
    return this.server !== undefined;
  }

  /** Binds `port` (0: any free port) on 127.0.0.1 and moves the service there; the old listener closes gracefully. */
  async listen(port: number): Promise<void> {
    const server = this.createListener();
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(new AdminError(409, describeListenError(port, error), 'listen')),
      );
      server.listen({ host: '127.0.0.1', port, exclusive: true }, () => resolve());
    });
    if (this.closed) return void server.close();
    server.on('error', (error) => this.deps.log(`service ${this.name}: listener error: ${error.message}`));
    const address = server.address();
    const previous = this.server;
    this.server = server;
    this.listenError = null;
    clearTimeout(this.rebindTimer);
    this.config = { ...this.config, listen: typeof address === 'object' && address ? address.port : port };
    if (previous) void closeListener(previous, this.config.drainTimeoutMs);
  }

  /** Like listen, but when the port is busy keeps retrying every second (a restarted proxy whose port is still held). */
  async listenOrRetry(): Promise<void> {
    try {
      await this.listen(this.config.listen);
    } catch (error) {
      if (this.closed) return;
      const message = (error as Error).message;
      if (this.listenError !== message)
        this.deps.log(`service ${this.name}: ${message}; retrying every ${rebindEveryMs / 1000}s`);
      this.listenError = message;
      this.rebindTimer = setTimeout(() => void this.listenOrRetry(), rebindEveryMs);
      this.rebindTimer.unref();
    }
  }

  pick(
    cookieHeader: string | undefined,
    options: { pool?: PoolName; exclude?: ReadonlySet<string> } = {},
  ): UpstreamBackend | undefined {
    const sticky = this.config.sticky;
    const stickyKey = sticky && options.pool === undefined ? readCookie(cookieHeader, sticky.cookie) : undefined;
    return this.selector.select(this.backends, { ...options, stickyKey });
  }

  logFailure(status: number, backend: string | undefined, reason: string): void {
    this.deps.log(`service ${this.name}: answered ${status} (backend ${backend ?? '-'}): ${reason}`);
  }

  /**
   * Admits a backend at once; admitting the same id and address again is a no-op (a new pool moves it).
   * `unverified` (a backend restored from routes.json) keeps it out of rotation until it accepts a connection.
   */
  admit(config: BackendConfig, options: { unverified?: boolean } = {}): { created: boolean } {
    const existing = this.backends.find((backend) => backend.id === config.id);
    if (existing) {
      if (existing.state === 'draining')
        throw new AdminError(
          409,
          `backend "${config.id}" of service "${this.name}" is draining; admit the replica under a new id`,
          'id',
        );
      if (existing.config.address !== config.address) {
        throw new AdminError(
          409,
          `backend "${config.id}" of service "${this.name}" is already admitted at ${existing.config.address}; drain it first or use a new id`,
          'id',
        );
      }
      existing.config = { ...existing.config, pool: config.pool };
      return { created: false };
    }
    const backend = new UpstreamBackend(config, this.deps.clock);
    if (options.unverified) backend.quarantine();
    this.backends.push(backend);
    return { created: true };
  }

  /** Resolves once the backend has no request in flight (or the drain timeout cut them), then forgets it. */
  async drain(id: string, timeoutMs = this.config.drainTimeoutMs): Promise<DrainResult> {
    const backend = this.backends.find((candidate) => candidate.id === id);
    if (!backend) return { drained: true, found: false, cutRequests: 0, closedUpgrades: 0 };
    const result = await backend.drain(timeoutMs);
    const index = this.backends.indexOf(backend);
    if (index >= 0) this.backends.splice(index, 1);
    return { drained: true, found: true, ...result };
  }

  setCanaryWeight(weight: number): void {
    this.config = { ...this.config, canaryWeight: weight };
    this.selector.setCanaryWeight(weight);
  }

  /** Moves every admitted canary backend into the stable pool and sets the canary weight to 0, in one step. */
  promoteCanary(): number {
    const promoted = this.backends.filter((backend) => backend.pool === 'canary' && backend.state === 'admitted');
    for (const backend of promoted) backend.config = { ...backend.config, pool: 'stable' };
    this.setCanaryWeight(0);
    return promoted.length;
  }

  /** The admitted backends: what routes.json keeps (draining ones are on their way out). */
  admittedBackends(): BackendConfig[] {
    return this.backends.filter((backend) => backend.state === 'admitted').map((backend) => backend.config);
  }

  view(): ServiceView {
    const { name, listen, drainTimeoutMs, upstreamTimeoutMs, sticky } = this.config;
    return {
      name,
      listen,
      listening: this.listening,
      listenError: this.listenError,
      drainTimeoutMs,
      upstreamTimeoutMs,
      sticky,
      weights: this.selector.weights,
      backends: this.backends.map((b) => b.view()),
    };
  }

  stats(windowSeconds: number): ServiceStats {
    const pools = Object.fromEntries(
      poolNames.map((pool) => [
        pool,
        { total: this.counters.pools[pool].total(), window: this.counters.pools[pool].window(windowSeconds) },
      ]),
    ) as ServiceStats['pools'];
    return {
      service: this.name,
      windowSeconds,
      pools,
      noBackend: {
        total: this.counters.unrouted.total().requests,
        window: this.counters.unrouted.window(windowSeconds).requests,
      },
      retries: this.counters.retries,
      backends: this.backends.map((b) => b.view()),
    };
  }

  /** Stops listening, lets running requests finish up to the drain timeout, then closes every backend. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.rebindTimer);
    const server = this.server;
    this.server = undefined;
    if (server) await closeListener(server, this.config.drainTimeoutMs);
    for (const backend of this.backends) backend.close();
    this.backends.length = 0;
  }

  private createListener(): Server {
    const server = createServer((req, res) => {
      if (hostCount(req.rawHeaders) > 1) {
        // RFC 9112 §3.2: a request with more than one Host field is answered 400 (which Host routes is ambiguous).
        res.writeHead(400, { 'content-type': 'text/plain', connection: 'close' }).end('more than one Host header\n');
        return;
      }
      if (this.server !== server) res.setHeader('Connection', 'close');
      forwardRequest(this, req, res);
    });
    server.keepAliveTimeout = clientKeepAliveMs;
    // Connections start on the lean forwarder, which hands the unusual requests to Node's own connection listener.
    const nodeListener = server.listeners('connection')[0] as (socket: Socket) => void;
    server.removeAllListeners('connection');
    const lean = new Set<LeanConnection>();
    leanConnections.set(server, lean);
    const handover = (socket: Socket, pending: Buffer) => {
      nodeListener.call(server, socket);
      if (pending.length > 0) socket.emit('data', pending);
      socket.resume();
    };
    server.on('connection', (socket: Socket) => {
      const connection = new LeanConnection(this, socket, {
        handover: (handed, pending) => {
          lean.delete(connection);
          handover(handed, pending);
        },
        retiring: () => this.server !== server,
        keepAliveMs: clientKeepAliveMs,
      });
      lean.add(connection);
      socket.once('close', () => lean.delete(connection));
    });
    server.on('upgrade', (req, socket, head) => {
      if (hostCount(req.rawHeaders) > 1) {
        socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
        return;
      }
      tunnelUpgrade(this, req, socket, head);
    });
    return server;
  }
}

function hostCount(rawHeaders: readonly string[]): number {
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i]?.toLowerCase() === 'host') count++;
  return count;
}

function describeListenError(port: number, error: NodeJS.ErrnoException): string {
  if (error.code === 'EADDRINUSE') return `port ${port} on 127.0.0.1 is already in use (EADDRINUSE)`;
  if (error.code === 'EACCES') return `port ${port} on 127.0.0.1 needs privileges (EACCES)`;
  return `cannot listen on 127.0.0.1:${port}: ${error.message}`;
}

/**
 * Stops accepting connections, closes idle keep-alive connections as they become idle, and after `graceMs`
 * closes whatever is left. Resolves when every connection is gone.
 */
export function closeListener(server: Server, graceMs: number): Promise<void> {
  const lean = leanConnections.get(server) ?? new Set<LeanConnection>();
  const closeIdle = () => {
    server.closeIdleConnections();
    for (const connection of lean) if (connection.idle) connection.close();
  };
  return new Promise((resolve) => {
    const sweep = setInterval(closeIdle, 50);
    const deadline = setTimeout(() => {
      server.closeAllConnections();
      for (const connection of lean) connection.close();
    }, graceMs);
    server.close(() => {
      clearInterval(sweep);
      clearTimeout(deadline);
      resolve();
    });
    closeIdle();
  });
}

/** The lean connections of each listener, for closeListener. */
const leanConnections = new WeakMap<Server, Set<LeanConnection>>();
