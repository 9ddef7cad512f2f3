export interface RefillState {
  /** Containers the slot keeps ready. */
  size: number;
  idle: number;
  /** Starts of this slot in flight. */
  starting: number;
  /** Starts of every slot in flight, and the cap on them (container starts compete with running jobs for the CPU). */
  startingAll: number;
  maxStarting: number;
}

/** How many containers a pool slot should start now: up to its size, within the pool's cap on concurrent starts. */
export function planRefill(state: RefillState): number {
  const missing = state.size - state.idle - state.starting;
  const allowed = state.maxStarting - state.startingAll;
  return Math.max(0, Math.min(missing, allowed));
}
