import type { PoolCounters } from './pool-counters.js';
import type { PoolName, ServiceConfig } from './proxy-types.js';
import type { UpstreamBackend } from './upstream-backend.js';

/** Per pool: upstream attempts; `unrouted`: requests answered 503 for want of a backend; `retries`: second attempts. */
export interface ServiceCounters {
  pools: Record<PoolName, PoolCounters>;
  unrouted: PoolCounters;
  retries: number;
}

/**
 * What forwarding a request needs from its service (ServiceRouter implements it): kept in a module of its own so
 * the router, forward-request and tunnel-upgrade do not import each other.
 */
export interface RoutedService {
  readonly name: string;
  readonly config: ServiceConfig;
  readonly counters: ServiceCounters;
  /** The next backend for a request carrying this Cookie header (the sticky cookie picks the pool). */
  pick(
    cookieHeader: string | undefined,
    options?: { pool?: PoolName; exclude?: ReadonlySet<string> },
  ): UpstreamBackend | undefined;
  /** The proxy's own 5xx answers (no backend, connection error, timeout), for its log file. */
  logFailure(status: number, backend: string | undefined, reason: string): void;
}
