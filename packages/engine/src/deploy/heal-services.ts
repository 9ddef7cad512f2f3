import type { Clock } from '../clock.js';
import { decideHealing } from './decide/decide-healing.js';
import type { DeployAction, ObservedReplica } from './decide/deploy-action.js';
import type { Replica, ResolvedService } from './deploy-types.js';
import { ReplicaWatch } from './health/watch-replica.js';
import type { Provider } from './provider.js';
import { ServiceState } from './state/service-state.js';
import { resolveRollingBounds } from './strategies/rolling-bounds.js';
import type { TrafficRouter } from './traffic-router.js';

export interface HealerOptions {
  /** The deploy state root (services/<name>/…). */
  stateDir: string;
  provider: Provider;
  router: TrafficRouter;
  clock: Clock;
  log(line: string): void;
  /** How often each service is observed; replicas are probed at the service's own health interval. */
  tickMs?: number;
}

/** What one tick saw of one idle service: the engine's containers, the router's backends, the health watches. */
interface Observation {
  name: string;
  active: number;
  service: ResolvedService;
  replicas: Replica[];
  routed: string[];
  observed: ObservedReplica[];
}

/**
 * Self-healing between deploys, run by the proxy process as a reconcile loop. Every tick, for each idle
 * service: observe (the provider's containers, the router's backends, one health watch per container of the
 * active revision), decide with the pure `decideHealing`, apply (the only step that touches provider and
 * router), then observe again next tick. The engine is the truth: a routed backend without a running, healthy
 * container leaves the rotation; a missing replica (removed, exited, lost in an engine restart) is replaced up
 * to the desired count, admitted once healthy; containers no revision wants are drained and removed. A service
 * being deployed (phase not idle, or its lock held) is left to its deployer.
 */
export function startHealer(options: HealerOptions): { stop: () => Promise<void> } {
  const controller = new AbortController();
  const watches = new Map<string, ReplicaWatch>();
  const busy = new Set<string>();
  const applying = new Set<Promise<void>>();
  /** Replacements that failed their health gate in a row, per service: the next start waits 1 s, 2 s, … 30 s. */
  const backoff = new Map<string, { failures: number; until: number }>();

  const watchOf = (replica: Replica, service: ResolvedService, routed: boolean): ReplicaWatch => {
    let watch = watches.get(replica.id);
    if (!watch) {
      watch = new ReplicaWatch(
        replica,
        service.health,
        options.provider,
        options.clock,
        service.progressDeadlineMs,
        () => undefined,
        { admitted: routed },
      );
      watches.set(replica.id, watch);
    }
    return watch;
  };

  const forget = (id: string) => {
    watches.get(id)?.stop();
    watches.delete(id);
  };

  const observe = async (name: string): Promise<Observation | undefined> => {
    const state = new ServiceState(options.stateDir, name);
    const journal = state.journal();
    if (!journal || journal.phase !== 'idle' || journal.active === undefined) return undefined;
    const revision = state.revisions().find((r) => r.number === journal.active);
    if (!revision) return undefined;
    const service = revision.service;
    const replicas = await options.provider.list(name);
    const routed = service.publish === undefined ? [] : await options.router.backends(name);
    const routedSet = new Set(routed);
    const observed = replicas.map((replica): ObservedReplica => {
      const isRouted = routedSet.has(replica.id);
      let health: ObservedReplica['health'] = 'failed';
      if (replica.running && replica.revision === journal.active) {
        const phase = watchOf(replica, service, isRouted).health.phase;
        health = phase === 'failed' ? 'failed' : isRouted || phase === 'healthy' ? 'healthy' : 'starting';
      }
      return {
        id: replica.id,
        revision: replica.revision,
        running: replica.running,
        health,
        available: isRouted && health === 'healthy',
        routed: isRouted,
        createdAt: replica.createdAt,
      };
    });
    const listed = new Set(replicas.map((r) => r.id));
    for (const id of [...watches.keys()]) if (!listed.has(id) && watches.get(id)?.replica.service === name) forget(id);
    return { name, active: journal.active, service, replicas, routed, observed };
  };

  const apply = async (seen: Observation, actions: DeployAction[]) => {
    const state = new ServiceState(options.stateDir, seen.name);
    let release: (() => void) | undefined;
    try {
      release = state.lock();
    } catch {
      return; // a deploy just started; it owns the service now
    }
    try {
      const journal = state.journal();
      if (journal?.phase !== 'idle' || journal.active !== seen.active) return;
      const byId = new Map(seen.replicas.map((r) => [r.id, r]));
      const done: string[] = [];
      const perId = new Map<string, DeployAction[]>();
      const rest: DeployAction[] = [];
      for (const action of actions) {
        if (action.kind === 'drain' || action.kind === 'remove' || action.kind === 'admit')
          perId.set(action.id, [...(perId.get(action.id) ?? []), action]);
        else rest.push(action);
      }
      const steps = [...perId.values()].map(async (list) => {
        for (const action of list) {
          const replica = 'id' in action ? byId.get(action.id) : undefined;
          if (action.kind === 'drain') {
            await options.router.drain(seen.name, action.id);
            done.push(`took ${replica?.name ?? action.id.slice(0, 12)} out of rotation (${action.reason})`);
          } else if (action.kind === 'remove' && replica) {
            const failedFresh = !seen.routed.includes(replica.id) && replica.revision === seen.active;
            if (failedFresh) {
              const failures = (backoff.get(seen.name)?.failures ?? 0) + 1;
              const until = options.clock.now() + Math.min(30_000, 1000 * 2 ** (failures - 1));
              backoff.set(seen.name, { failures, until });
            }
            forget(replica.id);
            await options.provider.remove(replica, seen.service.stopGraceMs);
            if (!list.some((a) => a.kind === 'drain')) done.push(`removed ${replica.name} (${action.reason})`);
          } else if (action.kind === 'admit' && replica) {
            await options.router.admit(seen.name, { id: replica.id, address: replica.address, pool: 'stable' });
            backoff.delete(seen.name);
            done.push(`admitted ${replica.name}`);
          }
        }
      });
      for (const action of rest) {
        if (action.kind !== 'start') continue;
        for (let i = 0; i < action.count; i++) {
          steps.push(
            options.provider
              .start(seen.service, action.revision, `heal-${options.clock.now().toString(36)}`)
              .then((fresh) => {
                watchOf(fresh, seen.service, false);
                done.push(`started ${fresh.name} to restore ${seen.service.replicas} replicas`);
              }),
          );
        }
      }
      const results = await Promise.allSettled(steps);
      for (const result of results)
        if (result.status === 'rejected') options.log(`${seen.name}: healing step failed: ${String(result.reason)}`);
      if (done.length === 0) return;
      const message = done.join('; ');
      // One healing episode reads as one line: a replacement's admission joins what started it moments ago.
      const previous = journal.lastHeal;
      const episode =
        previous && options.clock.now() - previous.at < 30_000 && previous.message.length < 400
          ? `${previous.message}; ${message}`
          : message;
      state.writeJournal({
        ...journal,
        updatedAt: options.clock.now(),
        lastHeal: { at: options.clock.now(), message: episode },
      });
      options.log(`${seen.name}: ${message}`);
    } finally {
      release?.();
    }
  };

  const tick = async (name: string) => {
    if (busy.has(name)) return;
    const seen = await observe(name);
    if (!seen) return;
    const bounds = resolveRollingBounds(
      seen.service.replicas,
      seen.service.rolling.maxSurge,
      seen.service.rolling.maxUnavailable,
    );
    let actions = decideHealing(seen.observed, {
      active: seen.active,
      replicas: seen.service.replicas,
      surge: bounds.surge,
      routed: seen.routed,
    });
    const wait = backoff.get(name);
    if (wait && options.clock.now() < wait.until) actions = actions.filter((a) => a.kind !== 'start');
    if (seen.service.publish === undefined) actions = actions.filter((a) => a.kind !== 'admit' && a.kind !== 'drain');
    if (actions.length === 0) return;
    busy.add(name);
    const running = apply(seen, actions)
      .catch((error: Error) => options.log(`${name}: healing failed: ${error.message}`))
      .finally(() => {
        busy.delete(name);
        applying.delete(running);
      });
    applying.add(running);
  };

  const loop = (async () => {
    while (!controller.signal.aborted) {
      for (const name of ServiceState.services(options.stateDir)) {
        await tick(name).catch((error: Error) => options.log(`${name}: observing failed: ${error.message}`));
      }
      await options.clock.sleep(options.tickMs ?? 200, controller.signal).catch(() => undefined);
    }
  })();

  return {
    stop: async () => {
      controller.abort();
      await loop;
      await Promise.allSettled([...applying]);
      for (const id of [...watches.keys()]) forget(id);
    },
  };
}
