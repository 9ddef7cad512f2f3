import { fnv1a } from './fnv1a.js';
import type { PoolName } from './proxy-types.js';

/** What the selector needs to know of a backend; `ejected` ones are used only when nothing else is left. */
export interface Candidate {
  id: string;
  pool: PoolName;
  draining: boolean;
  ejected: boolean;
}

export interface SelectOptions {
  /** Value of the service's sticky cookie on this request, if any: it picks the pool instead of the rotation. */
  stickyKey?: string | undefined;
  /** Backends already tried for this request (a retry goes elsewhere). */
  exclude?: ReadonlySet<string>;
  /** Skip the pool rotation and try this pool first (a retry stays in the pool it was routed to). */
  pool?: PoolName;
}

const otherPool = (pool: PoolName): PoolName => (pool === 'stable' ? 'canary' : 'stable');

/**
 * Deterministic routing state of one service. The pool comes from nginx's smooth weighted round-robin over
 * {stable: 100 − w, canary: w} (so weight 25 yields exactly 1 canary in every 4 requests, evenly spread), the
 * backend from a round-robin over the pool's admitted backends. An empty pool falls back to the other one;
 * ejected backends are used only when no other backend is left in either pool. Not thread-safe by design:
 * one service's requests are handled on one event loop.
 */
export class BackendSelector {
  private canaryWeight = 0;
  private readonly current: Record<PoolName, number> = { stable: 0, canary: 0 };
  private readonly cursor: Record<PoolName, number> = { stable: 0, canary: 0 };

  constructor(canaryWeight = 0) {
    this.setCanaryWeight(canaryWeight);
  }

  /** Restarts the rotation, so a new weight takes effect from the next request. */
  setCanaryWeight(weight: number): void {
    this.canaryWeight = Math.min(100, Math.max(0, Math.round(weight)));
    this.current.stable = 0;
    this.current.canary = 0;
  }

  get weights(): Record<PoolName, number> {
    return { stable: 100 - this.canaryWeight, canary: this.canaryWeight };
  }

  /** The next pool in the smooth weighted rotation. */
  nextPool(): PoolName {
    const weights = this.weights;
    this.current.stable += weights.stable;
    this.current.canary += weights.canary;
    const pool: PoolName = this.current.canary > this.current.stable ? 'canary' : 'stable';
    this.current[pool] -= 100;
    return pool;
  }

  /** The pool a sticky key maps to at the current weight. */
  stickyPool(key: string): PoolName {
    return fnv1a(key) % 100 < this.canaryWeight ? 'canary' : 'stable';
  }

  /** Picks a backend for one request, or undefined when none can take it. */
  select<T extends Candidate>(backends: readonly T[], options: SelectOptions = {}): T | undefined {
    const pool =
      options.pool ?? (options.stickyKey !== undefined ? this.stickyPool(options.stickyKey) : this.nextPool());
    const usable = backends.filter((b) => !b.draining && !options.exclude?.has(b.id));
    for (const ejected of [false, true]) {
      for (const candidatePool of [pool, otherPool(pool)]) {
        const inPool = usable.filter((b) => b.pool === candidatePool && b.ejected === ejected);
        if (inPool.length === 0) continue;
        const index = this.cursor[candidatePool] % inPool.length;
        this.cursor[candidatePool] = (this.cursor[candidatePool] + 1) % 1_000_000_007;
        return inPool[index];
      }
    }
    return undefined;
  }
}
