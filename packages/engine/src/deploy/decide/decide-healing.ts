import type { DeployAction, ObservedReplica } from './deploy-action.js';

export interface HealingGoal {
  /** The revision serving; containers of any other revision are not wanted. */
  active: number;
  replicas: number;
  surge: number;
  /** Backend ids the router sends traffic to. */
  routed: readonly string[];
}

/**
 * Healing between deploys, pure: the engine is the truth. A routed backend without a running, healthy container
 * leaves the rotation; a failed or exited container is removed; missing replicas are started up to the desired
 * count, several at once but at most `surge` starting (all at once when none serves) at a time (at least 1); containers no revision wants are
 * drained and removed; healthy unrouted ones are admitted.
 */
export function decideHealing(observed: readonly ObservedReplica[], goal: HealingGoal): DeployAction[] {
  const actions: DeployAction[] = [];
  const known = new Set(observed.map((r) => r.id));
  for (const id of goal.routed)
    if (!known.has(id)) actions.push({ kind: 'drain', id, reason: 'no container behind this backend' });
  const good = observed.filter((r) => r.revision === goal.active && r.running && r.health !== 'failed');
  for (const r of observed) {
    if (good.includes(r)) continue;
    const reason = r.revision !== goal.active ? `revision ${r.revision} is not wanted` : 'not running or unhealthy';
    if (r.routed) actions.push({ kind: 'drain', id: r.id, reason });
    actions.push({ kind: 'remove', id: r.id, reason });
  }
  for (const r of good) if (r.health === 'healthy' && !r.routed) actions.push({ kind: 'admit', id: r.id });
  const starting = good.filter((r) => r.health === 'starting').length;
  const missing = goal.replicas - good.length;
  // With nothing serving (an engine restart), every missing replica starts at once: there is no traffic to protect.
  const serving = good.filter((r) => r.available).length;
  const start = serving === 0 ? missing - starting : Math.min(missing, Math.max(1, goal.surge) - starting);
  if (start > 0) actions.push({ kind: 'start', revision: goal.active, count: start });
  for (const r of [...good].sort((a, b) => b.createdAt - a.createdAt).slice(0, Math.max(0, -missing)))
    actions.push(
      { kind: 'drain', id: r.id, reason: 'above the desired count' },
      { kind: 'remove', id: r.id, reason: 'above the desired count' },
    );
  return actions;
}
