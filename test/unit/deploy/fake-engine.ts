import { rollOut } from '../../../packages/engine/src/deploy/roll-out.js';
import type { Clock } from '../../../packages/engine/src/clock.js';
import type { Replica, ResolvedService, Revision } from '../../../packages/engine/src/deploy/deploy-types.js';
import type { Provider } from '../../../packages/engine/src/deploy/provider.js';
import type { RolloutDeps } from '../../../packages/engine/src/deploy/rollout-types.js';
import type { DeployJournal, ServiceStore } from '../../../packages/engine/src/deploy/state/service-state.js';
import type { CanaryRouter, PoolWindow } from '../../../packages/engine/src/deploy/traffic-router.js';
import type { RunEventBody } from '../../../packages/engine/src/run/events.js';

/** Virtual time: every sleep moves the clock forward at once and yields to other tasks. */
export function virtualClock(start = 1_000_000): Clock & { advance(ms: number): void } {
  let now = start;
  return {
    now: () => now,
    advance: (ms) => {
      now += ms;
    },
    sleep: (ms, signal) =>
      new Promise((resolve, reject) => {
        if (signal?.aborted) return reject(new Error('aborted'));
        now += Math.max(1, ms);
        setImmediate(() => (signal?.aborted ? reject(new Error('aborted')) : resolve()));
      }),
  };
}

/** A service spec for the fake engine: health is a `cmd` probe the engine answers per revision. */
export function fakeService(patch: Partial<ResolvedService> = {}): ResolvedService {
  return {
    name: 'web',
    image: 'app:1',
    replicas: 3,
    port: 80,
    publish: 8080,
    env: {},
    health: {
      probe: { kind: 'cmd', command: 'check' },
      intervalMs: 1000,
      timeoutMs: 1000,
      startPeriodMs: 0,
      startIntervalMs: 100,
      healthy: 1,
      unhealthy: 2,
    },
    init: true,
    minReadyMs: 0,
    progressDeadlineMs: 600_000,
    drainTimeoutMs: 1000,
    stopGraceMs: 1000,
    revisionHistory: 10,
    rolling: { maxSurge: 1, maxUnavailable: 0, pauseMs: 0, monitorMs: 0, maxFailureRatio: 0 },
    configHash: 'hash-1',
    ...patch,
  };
}

interface Container {
  replica: Replica;
  running: boolean;
}

/**
 * One engine and one proxy in memory, shared by Provider and TrafficRouter fakes. It records the invariants a
 * rolling update must keep at every change: containers of the service, and routed backends of a running
 * container. `failAfter` makes the n-th mutating call throw, as a SIGKILLed deployer would stop there.
 */
export class FakeEngine {
  readonly containers = new Map<string, Container>();
  readonly routed = new Set<string>();
  /** Backends in the canary pool (a subset of `routed`), the canary weight, and what `stats` answers per pool. */
  readonly canaryPool = new Set<string>();
  weight = 0;
  readonly weights: number[] = [];
  windows: Record<'stable' | 'canary', PoolWindow> = {
    stable: { requests: 500, errors: 0, errorRate: 0, p99Ms: 10 },
    canary: { requests: 100, errors: 0, errorRate: 0, p99Ms: 10 },
  };
  /** The fewest stable-pool backends of a running container seen since the last reset. */
  minStable = Number.POSITIVE_INFINITY;
  /** Revisions whose health check fails. */
  readonly unhealthy = new Set<number>();
  maxContainers = 0;
  minRouted = Number.POSITIVE_INFINITY;
  mutations = 0;
  failAfter = Number.POSITIVE_INFINITY;
  #seq = 0;

  constructor(readonly clock: Clock) {}

  #mutate(): void {
    this.mutations += 1;
    if (this.mutations > this.failAfter) throw new Error('killed');
  }

  #sample(): void {
    this.maxContainers = Math.max(this.maxContainers, this.containers.size);
    const serving = [...this.routed].filter((id) => this.containers.get(id)?.running).length;
    this.minRouted = Math.min(this.minRouted, serving);
    const stable = [...this.routed].filter((id) => !this.canaryPool.has(id) && this.containers.get(id)?.running);
    this.minStable = Math.min(this.minStable, stable.length);
  }

  resetSamples(): void {
    this.maxContainers = this.containers.size;
    this.minRouted = Number.POSITIVE_INFINITY;
    this.minStable = Number.POSITIVE_INFINITY;
    this.#sample();
  }

  revisions(): number[] {
    return [...this.containers.values()].map((c) => c.replica.revision).sort();
  }

  routedRevisions(): number[] {
    return [...this.routed].map((id) => this.containers.get(id)?.replica.revision ?? -1).sort();
  }

  readonly provider: Provider = {
    list: (service) =>
      Promise.resolve(
        [...this.containers.values()]
          .filter((c) => c.replica.service === service)
          .map((c) => ({ ...c.replica, running: c.running })),
      ),
    start: (service: ResolvedService, revision: number) => {
      this.#mutate();
      this.#seq += 1;
      const replica: Replica = {
        id: `c${this.#seq}`,
        name: `ferry-${service.name}-r${revision}-${this.#seq}`,
        service: service.name,
        revision,
        address: `127.0.0.1:${10_000 + this.#seq}`,
        running: true,
        createdAt: this.clock.now() + this.#seq,
      };
      this.containers.set(replica.id, { replica, running: true });
      this.#sample();
      return Promise.resolve({ ...replica });
    },
    state: (replica) => Promise.resolve({ running: this.containers.get(replica.id)?.running ?? false, exitCode: 137 }),
    exec: (replica) =>
      Promise.resolve(
        this.unhealthy.has(replica.revision) ? { exitCode: 1, output: 'unhealthy' } : { exitCode: 0, output: 'ok' },
      ),
    remove: (replica) => {
      this.#mutate();
      this.containers.delete(replica.id);
      this.#sample();
      return Promise.resolve();
    },
    logs: () => Promise.resolve('last line'),
  };

  readonly router: CanaryRouter = {
    ensureService: () => Promise.resolve(),
    admit: (_service, backend) => {
      this.#mutate();
      this.routed.add(backend.id);
      if (backend.pool === 'canary') this.canaryPool.add(backend.id);
      this.#sample();
      return Promise.resolve();
    },
    drain: (_service, id) => {
      this.#mutate();
      this.routed.delete(id);
      this.canaryPool.delete(id);
      this.#sample();
      return Promise.resolve({ cutRequests: 0 });
    },
    backends: () => Promise.resolve([...this.routed]),
    setCanaryWeight: (_service, weight) => {
      this.#mutate();
      this.weight = weight;
      this.weights.push(weight);
      return Promise.resolve();
    },
    promoteCanary: () => {
      this.#mutate();
      this.canaryPool.clear();
      return Promise.resolve();
    },
    stats: () =>
      Promise.resolve({ pools: { stable: { window: this.windows.stable }, canary: { window: this.windows.canary } } }),
    putService: () => Promise.resolve(),
  };
}

/** A ServiceStore in memory, with a lock that refuses a second holder. */
export class MemoryStore implements ServiceStore {
  #journal: DeployJournal | undefined;
  #revisions: Revision[] = [];
  #locked = false;
  readonly requests = new Set<'promote' | 'abort'>();

  constructor(readonly service: string) {}

  journal(): DeployJournal | undefined {
    return this.#journal && structuredClone(this.#journal);
  }
  writeJournal(journal: DeployJournal): void {
    this.#journal = structuredClone(journal);
  }
  revisions(): Revision[] {
    return structuredClone(this.#revisions);
  }
  writeRevisions(revisions: Revision[]): void {
    this.#revisions = structuredClone(revisions);
  }
  lock(): () => void {
    if (this.#locked) throw new Error('DEPLOY_LOCKED');
    this.#locked = true;
    return () => {
      this.#locked = false;
    };
  }
  take(action: 'promote' | 'abort'): boolean {
    return this.requests.delete(action);
  }
}

export function rolloutDeps(engine: FakeEngine, store: ServiceStore, events: RunEventBody[] = []): RolloutDeps {
  return {
    provider: engine.provider,
    router: engine.router,
    state: store,
    clock: engine.clock,
    deployId: 'd1',
    job: 'deploy',
    log: () => undefined,
    emit: (body) => events.push(body),
  };
}

/** A fake engine where revision 1 of `service` serves at full count (its invariant samples reset). */
export async function deployedEngine(service: ResolvedService): Promise<{ engine: FakeEngine; store: MemoryStore }> {
  const engine = new FakeEngine(virtualClock());
  const store = new MemoryStore(service.name);
  const first = await rollOut(service, rolloutDeps(engine, store));
  if (first.status !== 'deployed') throw new Error(`first deploy: ${first.status}: ${first.message}`);
  engine.resetSamples();
  return { engine, store };
}
