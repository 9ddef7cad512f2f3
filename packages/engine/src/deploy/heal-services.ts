import type { Clock } from '../clock.js';
import type { Replica } from './deploy-types.js';
import { probeReplica } from './health/probe-replica.js';
import { ReplicaWatch } from './health/watch-replica.js';
import type { Provider } from './provider.js';
import { ServiceState } from './state/service-state.js';
import type { TrafficRouter } from './traffic-router.js';

export interface HealerOptions {
  /** The deploy state root (services/<name>/…). */
  stateDir: string;
  provider: Provider;
  router: TrafficRouter;
  clock: Clock;
  log(line: string): void;
  /** How often each service is looked at; its replicas are probed at the service's own health interval. */
  tickMs?: number;
}

/**
 * Self-healing between deploys, run by the proxy process: every admitted replica of an idle service is probed
 * at its health interval; one that exits or fails `unhealthy` checks in a row is taken out of rotation at once
 * and replaced by a fresh container of the same revision, admitted once healthy. A service being deployed
 * (phase not idle, or its lock held) is left to its deployer. Each replacement is written to the journal.
 */
export function startHealer(options: HealerOptions): { stop: () => Promise<void> } {
  const controller = new AbortController();
  const failures = new Map<string, { count: number; last: number }>();
  const healing = new Set<string>();

  const checkService = async (name: string) => {
    const state = new ServiceState(options.stateDir, name);
    const journal = state.journal();
    if (!journal || journal.phase !== 'idle' || journal.active === undefined || healing.has(name)) return;
    const revision = state.revisions().find((r) => r.number === journal.active);
    if (!revision || revision.service.publish === undefined) return;
    const service = revision.service;
    const routed = new Set(await options.router.backends(name));
    const replicas = (await options.provider.list(name)).filter((r) => routed.has(r.id));
    const now = options.clock.now();
    for (const replica of replicas) {
      const seen = failures.get(replica.id) ?? { count: 0, last: 0 };
      if (now - seen.last < service.health.intervalMs) continue;
      seen.last = now;
      const state2 = await options.provider.state(replica);
      const probe = state2.running
        ? await probeReplica(replica, service.health, options.provider)
        : { ok: false, output: `exited with code ${state2.exitCode ?? '?'}` };
      seen.count = probe.ok ? 0 : seen.count + 1;
      failures.set(replica.id, seen);
      if (state2.running && seen.count < service.health.unhealthy) continue;
      healing.add(name);
      void replace(name, replica, probe.output).finally(() => healing.delete(name));
      return;
    }
  };

  const replace = async (name: string, broken: Replica, why: string) => {
    const state = new ServiceState(options.stateDir, name);
    let release: (() => void) | undefined;
    try {
      release = state.lock();
    } catch {
      return; // a deploy just started; it owns the service now
    }
    try {
      const journal = state.journal();
      const revision = state.revisions().find((r) => r.number === journal?.active);
      if (!journal || !revision) return;
      options.log(`${name}: replica ${broken.name} is unhealthy (${why}); taking it out of rotation and replacing it`);
      await options.router.drain(name, broken.id);
      await options.provider.remove(broken, 0);
      failures.delete(broken.id);
      const fresh = await options.provider.start(
        revision.service,
        revision.number,
        `heal-${options.clock.now().toString(36)}`,
      );
      const watch = new ReplicaWatch(
        fresh,
        revision.service.health,
        options.provider,
        options.clock,
        revision.service.progressDeadlineMs,
        () => undefined,
      );
      try {
        while (watch.health.phase === 'starting') await options.clock.sleep(25, controller.signal);
      } finally {
        watch.stop();
      }
      if (watch.health.phase === 'failed') {
        await options.provider.remove(fresh, 0);
        options.log(`${name}: the replacement ${fresh.name} failed too (${watch.health.check}); will try again`);
        return;
      }
      await options.router.admit(name, { id: fresh.id, address: fresh.address, pool: 'stable' });
      const message = `replaced unhealthy replica ${broken.name} (${why}) with ${fresh.name}`;
      state.writeJournal({
        ...journal,
        updatedAt: options.clock.now(),
        lastHeal: { at: options.clock.now(), message },
      });
      options.log(`${name}: ${message}`);
    } catch (error) {
      options.log(`${name}: healing failed: ${(error as Error).message}`);
    } finally {
      release?.();
    }
  };

  const loop = (async () => {
    while (!controller.signal.aborted) {
      for (const name of ServiceState.services(options.stateDir)) {
        await checkService(name).catch((error: Error) =>
          options.log(`${name}: health check round failed: ${error.message}`),
        );
      }
      await options.clock.sleep(options.tickMs ?? 200, controller.signal).catch(() => undefined);
    }
  })();

  return {
    stop: async () => {
      controller.abort();
      await loop;
    },
  };
}
