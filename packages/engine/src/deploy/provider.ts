import type { ResolvedService, Replica } from './deploy-types.js';

/**
 * Where replicas run. The Docker provider talks to one engine; Docker labels (`ferry.service`,
 * `ferry.revision`) are the ground truth of what runs, so a deployer that died mid-rollout can be resumed.
 */
export interface Provider {
  /** Every replica of the service, running or not. */
  list(service: string): Promise<Replica[]>;
  /** Creates and starts one replica of `revision`, published on an ephemeral 127.0.0.1 port. */
  start(service: ResolvedService, revision: number, deployId: string): Promise<Replica>;
  /** Whether it still runs, and its exit code when not. */
  state(replica: Replica): Promise<{ running: boolean; exitCode?: number }>;
  /** Runs a command in the replica (health checks of kind `cmd`). */
  exec(replica: Replica, command: string, timeoutMs: number): Promise<{ exitCode: number; output: string }>;
  /** Stops (SIGTERM, then SIGKILL after graceMs) and removes it. Idempotent. */
  remove(replica: Replica, graceMs: number): Promise<void>;
  logs(replica: Replica, lines: number): Promise<string>;
}
