/** What the rollout knows at one moment: target-revision replicas by state, and old replicas still serving. */
export interface RollingState {
  replicas: number;
  surge: number;
  unavailable: number;
  /** Old (non-target) replicas admitted to traffic. */
  oldServing: number;
  /** Old replicas that are not serving (unhealthy, exited): removed first, they cost no availability. */
  oldBroken: number;
  /** Target replicas starting or waiting for health / minReady. */
  newPending: number;
  /** Target replicas available (admitted and past minReady). */
  newAvailable: number;
}

export interface RollingStep {
  /** New replicas to start now. */
  start: number;
  /** Old serving replicas to drain and stop now. */
  stopOld: number;
  /** Broken old replicas to remove now. */
  removeBroken: number;
  done: boolean;
}

/**
 * One decision of a rolling update, pure (Kubernetes' rolling.go, for one host):
 * - start new replicas while containers ≤ replicas + surge and fewer than `replicas` new ones exist;
 * - stop old serving replicas only while available ≥ replicas − unavailable stays true afterwards.
 * Broken old replicas are removed at once. Done when all `replicas` new ones are available and no old remain.
 * The invariants hold at every step: total ≤ replicas + surge, available ≥ replicas − unavailable (when it was
 * so at the start).
 */
export function nextRollingStep(state: RollingState): RollingStep {
  const newTotal = state.newPending + state.newAvailable;
  const total = newTotal + state.oldServing;
  const start = Math.max(0, Math.min(state.replicas - newTotal, state.replicas + state.surge - total));
  const available = state.oldServing + state.newAvailable;
  const stopOld = Math.max(0, Math.min(state.oldServing, available - (state.replicas - state.unavailable)));
  const done = state.newAvailable >= state.replicas && state.oldServing + state.oldBroken === 0;
  return { start, stopOld, removeBroken: state.oldBroken, done };
}
