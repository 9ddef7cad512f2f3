import { decideRolling } from './decide/decide-rolling.js';
import type { DeployAction, ObservedReplica } from './decide/deploy-action.js';
import type { Replica, ResolvedService } from './deploy-types.js';
import { ReplicaWatch } from './health/watch-replica.js';
import { indentText } from './indent-text.js';
import { emitReplica } from './replica-event.js';
import type { RolloutDeps } from './rollout-types.js';
import { resolveRollingBounds } from './strategies/rolling-bounds.js';

export interface RollingRun {
  /** The target revision's service spec (for a rollback: the previous revision's). */
  service: ResolvedService;
  target: number;
  deps: RolloutDeps;
  /**
   * How many failed target replicas end the run: `ratio` = more than rolling.maxFailureRatio of those started
   * (a rollout), `first` = the first one (a rollback is never rolled back).
   */
  failures: 'ratio' | 'first';
  /** Once done, how long the new replicas are still watched before the run succeeds. */
  monitorMs: number;
  /** Called once when the target serves at full count and the monitor window starts. */
  onMonitoring?(): void;
  /** Called after every tick that changed something (for the journal). */
  onProgress?(): void;
}

export type RollingOutcome = { ok: true } | { ok: false; reason: string };

interface Watched {
  watch: ReplicaWatch;
  admittedAt?: number;
}

/**
 * A rolling update as a reconcile loop: observe (the provider's containers, the routed backends, one health
 * watch per target replica), decide with the pure `decideRolling`, apply (the only code here that touches the
 * provider and the router), observe again. Rolling out and rolling back are both this loop; a rollback is
 * the previous revision as target. Everything it needs is read from the engine, so a run resumes wherever a
 * killed deployer left the containers. Returns when the target serves at full count and has passed the
 * monitor window, or with the reason once too many target replicas failed.
 */
export async function reconcileRolling(run: RollingRun): Promise<RollingOutcome> {
  const { service, target, deps } = run;
  const { provider, router, clock } = deps;
  const publish = service.publish !== undefined;
  const bounds = resolveRollingBounds(service.replicas, service.rolling.maxSurge, service.rolling.maxUnavailable);
  const watches = new Map<string, Watched>();
  let changed = false;
  const onChange = () => {
    changed = true;
  };
  // The router's table is read once: while this run holds the service's lock it is the only writer.
  const routed = new Set(publish ? await router.backends(service.name) : []);
  if (!publish) for (const replica of await provider.list(service.name)) if (replica.running) routed.add(replica.id);
  let failed = 0;
  let attempted = 0;
  let monitorEnd: number | undefined;

  const observe = async (): Promise<{ replicas: Map<string, Replica>; observed: ObservedReplica[] }> => {
    const now = clock.now();
    const listed = await provider.list(service.name);
    const observed = listed.map((replica): ObservedReplica => {
      const isRouted = routed.has(replica.id);
      const base = { id: replica.id, revision: replica.revision, running: replica.running, routed: isRouted };
      if (replica.revision !== target)
        return {
          ...base,
          health: replica.running ? 'healthy' : 'failed',
          available: isRouted && replica.running,
          createdAt: replica.createdAt,
        };
      let entry = watches.get(replica.id);
      if (!entry && replica.running) {
        // Found running (a resumed run, or the previous revision in a rollback): one already routed is admitted.
        entry = {
          watch: new ReplicaWatch(replica, service.health, provider, clock, service.progressDeadlineMs, onChange, {
            admitted: isRouted,
          }),
          ...(isRouted ? { admittedAt: now - service.minReadyMs } : {}),
        };
        watches.set(replica.id, entry);
        attempted += 1;
      }
      const phase = replica.running && entry ? entry.watch.health.phase : 'failed';
      const available = entry?.admittedAt !== undefined && now - entry.admittedAt >= service.minReadyMs;
      return { ...base, health: phase, available, createdAt: replica.createdAt };
    });
    for (const [id, entry] of watches)
      if (!listed.some((r) => r.id === id)) {
        entry.watch.stop();
        watches.delete(id);
      }
    return { replicas: new Map(listed.map((r) => [r.id, r])), observed };
  };

  /** A target replica this run watched has failed: its reason, counted against the failure budget. */
  const failure = async (replica: Replica, entry: Watched): Promise<string | undefined> => {
    const health = entry.watch.health;
    // Observed stopped before its watch noticed: the exit code is the engine's, read once here.
    const stopped = async () => {
      const state = await provider.state(replica).catch(() => undefined);
      return state?.exitCode !== undefined ? `exited with code ${state.exitCode}` : 'the container stopped';
    };
    const [check, output] = health.phase === 'failed' ? [health.check, health.output] : ['exited', await stopped()];
    const logs = await provider.logs(replica, 10).catch(() => '');
    const reason = `replica ${replica.name} failed: ${check}: ${output}${logs ? `\n  last log lines:\n${indentText(logs)}` : ''}`;
    emitReplica(deps, service.name, replica, target, 'failed', `${check}: ${output}`);
    deps.log(`${service.name}: ${reason}`);
    failed += 1;
    const exceeded =
      run.failures === 'first' || failed / Math.max(attempted, service.replicas, 1) > service.rolling.maxFailureRatio;
    return exceeded ? reason : undefined;
  };

  const monitoring = (reason: string) => {
    if (monitorEnd === undefined) return reason;
    const cut = reason.includes('\n') ? reason.indexOf('\n') : reason.length;
    return `${reason.slice(0, cut)} (during the ${Math.round(run.monitorMs / 1000)}s monitor window)${reason.slice(cut)}`;
  };

  const drain = async (id: string) => {
    if (publish && routed.has(id)) await router.drain(service.name, id);
    routed.delete(id);
  };

  /** Applies one decision; returns a failure reason when the run must stop, and whether old replicas stopped. */
  const apply = async (
    replicas: Map<string, Replica>,
    actions: DeployAction[],
  ): Promise<{ reason?: string; stoppedOld: boolean; started: number; removed: number }> => {
    // Failures first: a failed target replica leaves the rotation at once and may end the run.
    for (const action of actions) {
      if (action.kind !== 'remove') continue;
      const replica = replicas.get(action.id);
      const entry = watches.get(action.id);
      if (!replica || replica.revision !== target || !entry) continue;
      if (replica.running && entry.watch.health.phase !== 'failed') continue; // scaled down, not failed
      entry.watch.stop();
      watches.delete(action.id);
      await drain(action.id);
      const reason = await failure(replica, entry);
      if (reason) return { reason: monitoring(reason), stoppedOld: false, started: 0, removed: 0 };
    }
    let stoppedOld = false;
    let started = 0;
    let removed = 0;
    const perId = new Map<string, DeployAction[]>();
    const steps: Promise<void>[] = [];
    for (const action of actions) {
      if (action.kind === 'drain' || action.kind === 'remove' || action.kind === 'admit')
        perId.set(action.id, [...(perId.get(action.id) ?? []), action]);
      else if (action.kind === 'start') {
        attempted += action.count;
        for (let i = 0; i < action.count; i++)
          steps.push(
            provider.start(service, target, deps.deployId).then((replica) => {
              watches.set(replica.id, {
                watch: new ReplicaWatch(replica, service.health, provider, clock, service.progressDeadlineMs, onChange),
              });
              started += 1;
              emitReplica(deps, service.name, replica, target, 'started');
            }),
          );
      }
    }
    for (const [id, list] of perId) {
      const replica = replicas.get(id);
      steps.push(
        (async () => {
          for (const action of list) {
            if (action.kind === 'admit' && replica) {
              if (publish) await router.admit(service.name, { id, address: replica.address, pool: 'stable' });
              routed.add(id);
              const entry = watches.get(id);
              if (entry) entry.admittedAt = clock.now();
              emitReplica(deps, service.name, replica, target, 'admitted');
            } else if (action.kind === 'drain') {
              if (replica && action.reason === 'replaced')
                emitReplica(deps, service.name, replica, replica.revision, 'draining');
              await drain(id);
            } else if (action.kind === 'remove' && replica) {
              watches.get(id)?.watch.stop();
              watches.delete(id);
              await provider.remove(replica, service.stopGraceMs);
              removed += 1;
              if (action.reason === 'replaced') stoppedOld = true;
              if (action.reason === 'replaced' || action.reason === 'scaled down')
                emitReplica(deps, service.name, replica, replica.revision, 'removed');
            }
          }
        })(),
      );
    }
    const results = await Promise.allSettled(steps);
    const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (rejected) throw rejected.reason;
    return { stoppedOld, started, removed };
  };

  try {
    for (;;) {
      const { replicas, observed } = await observe();
      const actions = decideRolling(observed, { target, ...bounds, replicas: service.replicas, routed: [...routed] });
      const work = actions.filter((a) => a.kind !== 'done');
      if (work.length > 0) {
        const result = await apply(replicas, work);
        if (result.reason) return { ok: false, reason: result.reason };
        const oldServing = [...routed].filter((id) => {
          const replica = replicas.get(id);
          return replica !== undefined && replica.revision !== target;
        }).length;
        const newAvailable = observed.filter((r) => r.revision === target && r.available).length;
        deps.emit({
          type: 'deploy.progress',
          job: deps.job,
          service: service.name,
          oldServing,
          newAvailable,
          newPending: Math.max(0, watches.size - newAvailable),
          containers: replicas.size + result.started - result.removed,
        });
        run.onProgress?.();
        if (result.stoppedOld && service.rolling.pauseMs > 0 && oldServing > 0)
          await clock.sleep(service.rolling.pauseMs);
        continue;
      }
      const now = clock.now();
      if (actions.some((a) => a.kind === 'done')) {
        if (monitorEnd === undefined) {
          monitorEnd = now + run.monitorMs;
          run.onMonitoring?.();
        }
        if (now >= monitorEnd) return { ok: true };
        await clock.sleep(Math.min(50, Math.max(1, monitorEnd - now)));
      } else if (!changed) await clock.sleep(25);
      changed = false;
    }
  } finally {
    for (const entry of watches.values()) entry.watch.stop();
  }
}
