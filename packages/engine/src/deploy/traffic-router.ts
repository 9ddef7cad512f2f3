/** The deployer's view of the proxy: which replicas of a service receive traffic. */
export interface TrafficRouter {
  /** Creates or updates the service's route on its public port. */
  ensureService(service: string, options: { listen: number; drainTimeoutMs: number }): Promise<void>;
  /** Starts sending the service's traffic to this replica. */
  admit(service: string, backend: { id: string; address: string; pool: 'stable' | 'canary' }): Promise<void>;
  /** Stops new requests to it, waits for its in-flight ones (up to the drain timeout), then forgets it. */
  drain(service: string, id: string): Promise<{ cutRequests: number }>;
  /** Ids of the replicas currently receiving traffic. */
  backends(service: string): Promise<string[]>;
}

export interface PoolWindow {
  requests: number;
  errors: number;
  errorRate: number | null;
  p99Ms: number | null;
}

/** What a canary needs on top: weights, per-pool stats over a window, and promotion. */
export interface CanaryRouter extends TrafficRouter {
  setCanaryWeight(service: string, canary: number): Promise<unknown>;
  /** Moves the canary pool's backends into the stable pool at once. */
  promoteCanary(service: string): Promise<unknown>;
  stats(
    service: string,
    windowSeconds: number,
  ): Promise<{ pools: Record<'stable' | 'canary', { window: PoolWindow }> }>;
  /** Sets the service's route options; `sticky: null` turns cookie stickiness off. */
  putService(
    service: string,
    input: { listen: number; drainTimeoutMs?: number; sticky?: { cookie: string } | null },
  ): Promise<unknown>;
}

export function isCanaryRouter(router: TrafficRouter): router is CanaryRouter {
  return 'setCanaryWeight' in router && 'stats' in router && 'promoteCanary' in router && 'putService' in router;
}
