import type { DeployAction, ObservedReplica } from './deploy-action.js';

export interface RollingGoal {
  target: number;
  replicas: number;
  surge: number;
  unavailable: number;
  /** Backend ids the router sends traffic to; one without a container leaves the rotation. */
  routed?: readonly string[];
}

/**
 * One rolling decision over the observed containers (Kubernetes rolling.go for one host), pure. A rollback is
 * this decision with the previous revision as target. Broken old containers (not running or failed) go first,
 * they cost no availability; new ones start while total ≤ replicas + surge; old serving ones are drained only
 * while available ≥ replicas − unavailable holds afterwards (oldest first); healthy new ones are admitted; above
 * the desired count the newest new ones go (available ones are kept first). Routed backends with no container
 * are drained.
 */
export function decideRolling(observed: readonly ObservedReplica[], goal: RollingGoal): DeployAction[] {
  const actions: DeployAction[] = [];
  const known = new Set(observed.map((r) => r.id));
  for (const id of goal.routed ?? [])
    if (!known.has(id)) actions.push({ kind: 'drain', id, reason: 'no container behind this backend' });
  const fresh = observed
    .filter((r) => r.revision === goal.target && r.running && r.health !== 'failed')
    .sort((a, b) => Number(b.available) - Number(a.available) || a.createdAt - b.createdAt);
  const brokenNew = observed.filter((r) => r.revision === goal.target && !fresh.includes(r));
  const old = observed.filter((r) => r.revision !== goal.target);
  const oldBroken = old.filter((r) => !r.running || r.health === 'failed' || !r.routed);
  const oldServing = old.filter((r) => !oldBroken.includes(r));
  for (const r of [...brokenNew, ...oldBroken]) {
    if (r.routed) actions.push({ kind: 'drain', id: r.id, reason: 'not running or unhealthy' });
    actions.push({ kind: 'remove', id: r.id, reason: 'not running or unhealthy' });
  }
  for (const r of fresh) if (r.health === 'healthy' && !r.routed) actions.push({ kind: 'admit', id: r.id });
  const keep = fresh.slice(0, goal.replicas);
  for (const r of fresh.slice(goal.replicas))
    actions.push(
      { kind: 'drain', id: r.id, reason: 'scaled down' },
      { kind: 'remove', id: r.id, reason: 'scaled down' },
    );
  const newAvailable = keep.filter((r) => r.available).length;
  const total = keep.length + oldServing.length;
  const start = Math.max(0, Math.min(goal.replicas - keep.length, goal.replicas + goal.surge - total));
  if (start > 0) actions.push({ kind: 'start', revision: goal.target, count: start });
  const available = oldServing.length + newAvailable;
  const stop = Math.max(0, Math.min(oldServing.length, available - (goal.replicas - goal.unavailable)));
  for (const r of [...oldServing].sort((a, b) => a.createdAt - b.createdAt).slice(0, stop))
    actions.push({ kind: 'drain', id: r.id, reason: 'replaced' }, { kind: 'remove', id: r.id, reason: 'replaced' });
  if (newAvailable >= goal.replicas && old.length === 0 && fresh.length === goal.replicas && brokenNew.length === 0)
    actions.push({ kind: 'done' });
  return actions;
}
