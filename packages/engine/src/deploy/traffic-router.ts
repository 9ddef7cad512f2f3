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
