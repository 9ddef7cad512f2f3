import type { Replica, ResolvedService, Revision } from './deploy-types.js';
import { dropDeadBackends } from './drop-dead-backends.js';
import { ReplicaWatch } from './health/watch-replica.js';
import { rollBack } from './roll-back.js';
import { indentText } from './indent-text.js';
import { keepHistory } from './keep-history.js';
import type { NewReplica, RolloutDeps, RolloutResult } from './rollout-types.js';
import type { DeployJournal } from './state/service-state.js';
import { resolveRollingBounds } from './strategies/rolling-bounds.js';
import { nextRollingStep } from './strategies/rolling-step.js';
import { isCanaryRouter } from './traffic-router.js';
import { runCanary } from './roll-out-canary.js';
import { emitReplica } from './replica-event.js';

export type { NewReplica, RolloutDeps, RolloutResult } from './rollout-types.js';

/**
 * Rolls `service` out to its current spec, health-gated (see strategies/rolling-step.ts for the arithmetic):
 * start new replicas within maxSurge, admit each to the proxy once healthy, stop old ones (drained first) only
 * while enough stay available, pause between batches, watch `monitor` after the last. A failed new replica
 * (exited, unhealthy, not ready within progressDeadline) past maxFailureRatio rolls back to the previous
 * revision. Resumable: what runs is read from Docker labels, and the journal says which revision was the
 * target, so a second call after a crash continues where the first stopped.
 */
export async function rollOut(service: ResolvedService, deps: RolloutDeps): Promise<RolloutResult> {
  const release = deps.state.lock();
  const watches: NewReplica[] = [];
  try {
    return await rollOutLocked(service, deps, watches);
  } finally {
    for (const item of watches) item.watch.stop();
    release();
  }
}

async function rollOutLocked(
  service: ResolvedService,
  deps: RolloutDeps,
  watches: NewReplica[],
): Promise<RolloutResult> {
  const { provider, router, state, clock } = deps;
  const journal = state.journal();
  const revisions = state.revisions();
  const inFlight = journal && journal.phase !== 'idle' && journal.phase !== 'paused';
  const active = inFlight ? journal.previous : journal?.active;
  const existing = revisions.find((revision) => revision.configHash === service.configHash);
  let replicas = await provider.list(service.name);
  const routed = new Set(
    service.publish !== undefined
      ? await router.backends(service.name)
      : replicas.filter((r) => r.running).map((r) => r.id),
  );
  if (service.publish !== undefined) {
    const dropped = await dropDeadBackends(router, service.name, routed, replicas);
    if (dropped.length > 0)
      deps.log(`${service.name}: took ${dropped.length} routed backend(s) without a running container out of rotation`);
  }

  if (existing && existing.number === active && !inFlight) {
    const serving = replicas.filter((r) => r.revision === active && r.running && routed.has(r.id));
    if (serving.length === service.replicas && replicas.length === serving.length) {
      deps.log(
        `${service.name}: revision ${active} (${service.image}) already runs ${serving.length} replicas; nothing to do`,
      );
      return { status: 'unchanged', revision: active, message: `revision ${active} is already deployed` };
    }
  }

  const target = existing?.number ?? Math.max(0, ...revisions.map((r) => r.number)) + 1;
  const record: Revision = {
    number: target,
    image: service.image,
    configHash: service.configHash,
    createdAt: clock.now(),
    service,
  };
  state.writeRevisions([...revisions.filter((r) => r.number !== target), record]);
  const writeJournal = (patch: Partial<DeployJournal>) =>
    state.writeJournal({
      ...(state.journal() ?? { service: service.name, phase: 'idle', deployId: deps.deployId, updatedAt: 0 }),
      ...patch,
      deployId: deps.deployId,
      updatedAt: clock.now(),
    });
  if (!(service.canary && journal?.phase === 'canary'))
    writeJournal({ phase: 'rolling', target, ...(active !== undefined ? { previous: active } : {}) });
  deps.emit({
    type: 'deploy.started',
    job: deps.job,
    service: service.name,
    revision: target,
    ...(active !== undefined ? { previous: active } : {}),
    image: service.image,
    replicas: service.replicas,
  });
  deps.log(
    `${service.name}: rolling out revision ${target} (${service.image}) to ${service.replicas} replicas${active !== undefined ? `, replacing revision ${active}` : ''}`,
  );
  if (service.publish !== undefined)
    await router.ensureService(service.name, { listen: service.publish, drainTimeoutMs: service.drainTimeoutMs });

  if (
    service.canary &&
    active !== undefined &&
    target !== active &&
    journal?.phase !== 'rolling' &&
    journal?.phase !== 'monitoring' &&
    isCanaryRouter(router)
  ) {
    const aborted = await runCanary({
      service,
      router,
      target,
      previous: active,
      existing: replicas.filter((r) => r.revision === target && r.running),
      routed,
      deps,
    });
    if (aborted) return aborted;
    // Promoted: the canary replicas now serve in the stable pool and count as new replicas below.
    for (const id of await router.backends(service.name)) routed.add(id);
    replicas = await provider.list(service.name);
  }

  const bounds = resolveRollingBounds(service.replicas, service.rolling.maxSurge, service.rolling.maxUnavailable);
  let changed = false;
  const onChange = () => {
    changed = true;
  };
  const watch = (replica: Replica) =>
    new ReplicaWatch(replica, service.health, provider, clock, service.progressDeadlineMs, onChange);

  // Resume: target replicas already running are watched again (and count as admitted when the proxy has them).
  for (const replica of replicas.filter((r) => r.revision === target)) {
    if (!replica.running) {
      await provider.remove(replica, 0);
      continue;
    }
    watches.push({
      replica,
      watch: watch(replica),
      ...(routed.has(replica.id) ? { admittedAt: clock.now() - service.minReadyMs } : {}),
    });
  }
  replicas = replicas.filter((r) => r.revision !== target);
  const oldServing = () => replicas.filter((r) => routed.has(r.id));
  const failures: string[] = [];
  const failedReplicas: Replica[] = [];
  let attempted = watches.length;

  const fail = async (reason: string): Promise<RolloutResult> => {
    for (const item of watches) item.watch.stop();
    return rollBack({
      service,
      target,
      previous: active,
      reason,
      replicas: [...watches.map((w) => w.replica), ...failedReplicas],
      old: replicas,
      routed,
      revisions: state.revisions(),
      deps,
    });
  };

  /** Handles failed and newly healthy replicas; returns a failure reason once the failure ratio is exceeded. */
  const settle = async (): Promise<string | undefined> => {
    for (const item of [...watches]) {
      const health = item.watch.health;
      if (health.phase === 'failed') {
        watches.splice(watches.indexOf(item), 1);
        const logs = await provider.logs(item.replica, 10);
        const reason = `replica ${item.replica.name} failed: ${health.check}: ${health.output}${logs ? `\n  last log lines:\n${indentText(logs)}` : ''}`;
        failures.push(reason);
        emitReplica(deps, service.name, item.replica, target, 'failed', `${health.check}: ${health.output}`);
        deps.log(`${service.name}: ${reason}`);
        if (item.admittedAt !== undefined && service.publish !== undefined)
          await router.drain(service.name, item.replica.id);
        routed.delete(item.replica.id);
        if (failures.length / Math.max(attempted, 1) > service.rolling.maxFailureRatio) {
          // The rollback starts at once; it removes this replica with the other new ones.
          failedReplicas.push(item.replica);
          return reason;
        }
        await provider.remove(item.replica, service.stopGraceMs);
      } else if (health.phase === 'healthy' && item.admittedAt === undefined) {
        if (service.publish !== undefined)
          await router.admit(service.name, { id: item.replica.id, address: item.replica.address, pool: 'stable' });
        routed.add(item.replica.id);
        item.admittedAt = clock.now();
        emitReplica(deps, service.name, item.replica, target, 'admitted');
      }
    }
    return undefined;
  };

  for (;;) {
    const failure = await settle();
    if (failure) return fail(failure);
    // Scaling down (`ferry scale`): the newest surplus replicas leave, drained first.
    while (watches.length > service.replicas && replicas.length === 0) {
      const surplus = watches.pop() as NewReplica;
      surplus.watch.stop();
      if (routed.has(surplus.replica.id) && service.publish !== undefined)
        await router.drain(service.name, surplus.replica.id);
      routed.delete(surplus.replica.id);
      await provider.remove(surplus.replica, service.stopGraceMs);
      emitReplica(deps, service.name, surplus.replica, target, 'removed');
    }
    const now = clock.now();
    const newAvailable = watches.filter(
      (w) => w.admittedAt !== undefined && now - w.admittedAt >= service.minReadyMs,
    ).length;
    const serving = oldServing();
    const step = nextRollingStep({
      replicas: service.replicas,
      surge: bounds.surge,
      unavailable: bounds.unavailable,
      oldServing: serving.length,
      oldBroken: replicas.length - serving.length,
      newPending: watches.length - newAvailable,
      newAvailable,
    });
    if (step.done) break;
    let acted = false;
    for (const broken of replicas.filter((r) => !routed.has(r.id))) {
      await provider.remove(broken, service.stopGraceMs);
      replicas.splice(replicas.indexOf(broken), 1);
      acted = true;
    }
    const stopping = serving.sort((a, b) => a.createdAt - b.createdAt).slice(0, step.stopOld);
    for (const old of stopping) {
      emitReplica(deps, service.name, old, old.revision, 'draining');
      if (service.publish !== undefined) await router.drain(service.name, old.id);
      routed.delete(old.id);
      await provider.remove(old, service.stopGraceMs);
      replicas.splice(replicas.indexOf(old), 1);
      emitReplica(deps, service.name, old, old.revision, 'removed');
    }
    for (let i = 0; i < step.start; i++) {
      const replica = await provider.start(service, target, deps.deployId);
      attempted += 1;
      watches.push({ replica, watch: watch(replica) });
      emitReplica(deps, service.name, replica, target, 'started');
    }
    if (stopping.length > 0 || step.start > 0 || acted) {
      deps.emit({
        type: 'deploy.progress',
        job: deps.job,
        service: service.name,
        oldServing: oldServing().length,
        newAvailable,
        newPending: watches.length - newAvailable,
        containers: replicas.length + watches.length,
      });
      writeJournal({});
    }
    if (stopping.length > 0 && service.rolling.pauseMs > 0 && oldServing().length > 0)
      await clock.sleep(service.rolling.pauseMs);
    else if (!changed) await clock.sleep(25);
    changed = false;
  }

  writeJournal({ phase: 'monitoring' });
  const monitorEnd = clock.now() + service.rolling.monitorMs;
  while (clock.now() < monitorEnd) {
    const failure = await settle();
    if (failure) return fail(`${failure} (during the ${Math.round(service.rolling.monitorMs / 1000)}s monitor window)`);
    await clock.sleep(Math.min(50, Math.max(1, monitorEnd - clock.now())));
  }

  const kept = keepHistory(state.revisions(), target, service.revisionHistory);
  state.writeRevisions(kept.map((r) => (r.number === target ? { ...r, outcome: 'deployed' } : r)));
  const message = `revision ${target} (${service.image}) serves ${service.replicas} replicas`;
  writeJournal({ phase: 'idle', active: target, outcome: { status: 'deployed', message, at: clock.now() } });
  deps.emit({
    type: 'deploy.finished',
    job: deps.job,
    service: service.name,
    status: 'deployed',
    revision: target,
    message,
  });
  deps.log(`${service.name}: ${message}`);
  return { status: 'deployed', revision: target, message };
}
