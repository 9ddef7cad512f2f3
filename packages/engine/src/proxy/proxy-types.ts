/** The two traffic pools of a service: `stable` serves the current revision, `canary` the one under test. */
export type PoolName = 'stable' | 'canary';
export const poolNames: readonly PoolName[] = ['stable', 'canary'];

/** Pool chosen per request by a cookie: FNV-1a(cookie value) mod 100 < canary weight ⇒ canary. */
export interface StickyConfig {
  cookie: string;
}

/** A service as the routing table stores it (routes.json) and the admin API accepts it. */
export interface ServiceConfig {
  name: string;
  /** Public port on 127.0.0.1. */
  listen: number;
  /** How long a drained backend's in-flight requests may run before they are cut. */
  drainTimeoutMs: number;
  /** Longest wait for a byte from the upstream (response headers, then between body chunks): then 504, or the response is cut. */
  upstreamTimeoutMs: number;
  sticky: StickyConfig | null;
  /** Share of requests (0–100) sent to the canary pool; the stable pool gets the rest. */
  canaryWeight: number;
}

/** One replica of a service, reachable at `host:port`. */
export interface BackendConfig {
  id: string;
  address: string;
  pool: PoolName;
}

/** The persisted routing table: what a restarted proxy serves at once. */
export interface RouteTable {
  version: 1;
  services: Array<ServiceConfig & { backends: BackendConfig[] }>;
}

export type BackendState = 'admitted' | 'draining';

export interface BackendView extends BackendConfig {
  state: BackendState;
  inFlight: number;
  requests: number;
  connectionErrors: number;
  /** Set while the backend is skipped after a connection error (passive ejection), as an ISO time. */
  ejectedUntil: string | null;
}

export interface ServiceView {
  name: string;
  listen: number;
  /** False while the port could not be bound (e.g. still held by another process); `listenError` says why. */
  listening: boolean;
  listenError: string | null;
  drainTimeoutMs: number;
  upstreamTimeoutMs: number;
  sticky: StickyConfig | null;
  weights: Record<PoolName, number>;
  backends: BackendView[];
}

export type StatusClass = '1xx' | '2xx' | '3xx' | '4xx' | '5xx';
export const statusClasses: readonly StatusClass[] = ['1xx', '2xx', '3xx', '4xx', '5xx'];

/**
 * Counters of one pool over a period. `requests` counts upstream attempts (a retried request counts once per
 * backend tried); `errors` = 5xx + connection errors + timeouts + drain cuts. Latencies are read from a
 * fixed-bucket histogram (linear inside a bucket), null without samples.
 */
export interface PoolStats {
  requests: number;
  responses: Record<StatusClass, number>;
  connectionErrors: number;
  timeouts: number;
  cut: number;
  errors: number;
  errorRate: number | null;
  latencyCount: number;
  meanMs: number | null;
  p50Ms: number | null;
  p90Ms: number | null;
  p99Ms: number | null;
}

export interface ServiceStats {
  service: string;
  windowSeconds: number;
  pools: Record<PoolName, { total: PoolStats; window: PoolStats }>;
  /** Requests answered 503 because no backend was admitted. */
  noBackend: { total: number; window: number };
  /** Requests retried on another backend after a connection error. */
  retries: number;
  backends: BackendView[];
}

export interface DrainResult {
  drained: true;
  /** False when the backend was not (or no longer) in the service: draining is idempotent. */
  found: boolean;
  /** In-flight requests still running at drainTimeout, cut then. */
  cutRequests: number;
  /** Upgraded (WebSocket) connections, closed when the drain started. */
  closedUpgrades: number;
}
