import type { RolloutDeps } from './rollout-types.js';

type ReplicaState = 'started' | 'admitted' | 'draining' | 'removed' | 'failed';

/** Emits a `deploy.replica` event: one replica of `service` (of `revision`) changed state in this deploy. */
export function emitReplica(
  deps: Pick<RolloutDeps, 'emit' | 'job'>,
  service: string,
  replica: { name: string },
  revision: number,
  state: ReplicaState,
  detail?: string,
): void {
  deps.emit({
    type: 'deploy.replica',
    job: deps.job,
    service,
    replica: replica.name,
    revision,
    state,
    ...(detail !== undefined ? { detail } : {}),
  });
}
