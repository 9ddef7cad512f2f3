import type { Replica, ResolvedService, Revision } from './deploy-types.js';
import { ReplicaWatch } from './health/watch-replica.js';
import type { RolloutDeps, RolloutResult } from './rollout-types.js';
import { indentText } from './indent-text.js';
import { emitReplica } from './replica-event.js';

export interface RollBackInput {
  service: ResolvedService;
  /** The revision that failed. */
  target: number;
  /** The revision to restore; none on a first deploy. */
  previous: number | undefined;
  reason: string;
  /** Replicas of the failed revision still around. */
  replicas: Replica[];
  /** Replicas of other revisions still around (serving ones are in `routed`). */
  old: Replica[];
  routed: Set<string>;
  revisions: Revision[];
  deps: RolloutDeps;
}

/**
 * Automatic rollback: traffic leaves the new replicas first (as long as an old one still serves), the previous
 * revision is brought back to full count — its healthy replicas are kept, only missing ones are started, each
 * health-gated — and then the new replicas are removed, their last log lines kept in the message. If the
 * restore itself fails the service is left paused with a clear message; a rollback is never rolled back.
 */
export async function rollBack(input: RollBackInput): Promise<RolloutResult> {
  const { service, target, previous, reason, routed, deps } = input;
  const { provider, router, state, clock } = deps;
  const publish = service.publish !== undefined;
  state.writeJournal({
    ...(state.journal() as NonNullable<ReturnType<typeof state.journal>>),
    phase: 'rolling-back',
    updatedAt: clock.now(),
  });
  deps.emit({
    type: 'deploy.rollback',
    job: deps.job,
    service: service.name,
    from: target,
    ...(previous !== undefined ? { to: previous } : {}),
    reason,
  });
  deps.log(
    `${service.name}: rolling back from revision ${target}${previous !== undefined ? ` to revision ${previous}` : ''}: ${reason.split('\n')[0]}`,
  );

  const previousRevision = input.revisions.find((r) => r.number === previous);
  const serving = () => input.old.filter((r) => routed.has(r.id) && r.revision === previous);
  const removeNew = async () => {
    for (const replica of input.replicas) {
      if (routed.has(replica.id) && publish) await router.drain(service.name, replica.id);
      routed.delete(replica.id);
      await provider.remove(replica, service.stopGraceMs);
      emitReplica(deps, service.name, replica, target, 'removed');
    }
  };
  const markFailed = () =>
    state.writeRevisions(
      state.revisions().map((r) => (r.number === target ? { ...r, outcome: 'failed' as const } : r)),
    );

  if (!previousRevision) {
    await removeNew();
    markFailed();
    const message = `revision ${target} failed and there is no earlier revision to restore: ${reason}`;
    state.writeJournal({
      service: service.name,
      phase: 'idle',
      deployId: deps.deployId,
      updatedAt: clock.now(),
      outcome: { status: 'failed', message, at: clock.now() },
    });
    deps.emit({
      type: 'deploy.finished',
      job: deps.job,
      service: service.name,
      status: 'failed',
      revision: target,
      message,
    });
    return { status: 'failed', revision: target, message };
  }

  // 1. Traffic back to the previous revision first, when it still has a replica serving.
  if (serving().length > 0) {
    for (const replica of input.replicas.filter((r) => routed.has(r.id))) {
      if (publish) await router.drain(service.name, replica.id);
      routed.delete(replica.id);
    }
  }

  // 2. The previous revision back to full count: keep its healthy replicas, start only the missing ones.
  const restore = previousRevision.service;
  const missing = Math.max(0, restore.replicas - serving().length);
  const started: ReplicaWatch[] = [];
  try {
    for (let i = 0; i < missing; i++) {
      const replica = await provider.start(restore, previousRevision.number, deps.deployId);
      started.push(
        new ReplicaWatch(replica, restore.health, provider, clock, restore.progressDeadlineMs, () => undefined),
      );
      emitReplica(deps, service.name, replica, previousRevision.number, 'started');
    }
    for (const watch of started) {
      while (watch.health.phase === 'starting') await clock.sleep(25);
      if (watch.health.phase === 'failed')
        throw new Error(
          `replica ${watch.replica.name} of revision ${previousRevision.number} failed too: ${watch.health.check}: ${watch.health.output}`,
        );
      if (publish)
        await router.admit(service.name, { id: watch.replica.id, address: watch.replica.address, pool: 'stable' });
      routed.add(watch.replica.id);
      emitReplica(deps, service.name, watch.replica, previousRevision.number, 'admitted');
    }
  } catch (error) {
    const message = `rollback of ${service.name} to revision ${previousRevision.number} failed: ${(error as Error).message}; the service is paused (after: ${reason.split('\n')[0]})`;
    state.writeJournal({
      ...(state.journal() as NonNullable<ReturnType<typeof state.journal>>),
      phase: 'paused',
      updatedAt: clock.now(),
      outcome: { status: 'paused', message, at: clock.now() },
    });
    deps.emit({
      type: 'deploy.finished',
      job: deps.job,
      service: service.name,
      status: 'paused',
      revision: target,
      message,
    });
    return { status: 'paused', revision: target, message };
  } finally {
    for (const watch of started) watch.stop();
  }

  // 3. The failed revision's replicas go, and so do leftovers of any other revision.
  await removeNew();
  for (const other of input.old.filter((r) => r.revision !== previous)) {
    if (routed.has(other.id) && publish) await router.drain(service.name, other.id);
    routed.delete(other.id);
    await provider.remove(other, service.stopGraceMs);
  }
  markFailed();
  const firstLine = reason.split('\n')[0] ?? reason;
  const message = `revision ${target} (${service.image}) was rolled back to revision ${previousRevision.number}: ${firstLine}`;
  const logs = reason.includes('\n') ? reason.slice(reason.indexOf('\n') + 1) : undefined;
  state.writeJournal({
    service: service.name,
    phase: 'idle',
    deployId: deps.deployId,
    active: previousRevision.number,
    updatedAt: clock.now(),
    outcome: { status: 'rolled-back', message, at: clock.now(), ...(logs ? { logs } : {}) },
  });
  deps.emit({
    type: 'deploy.finished',
    job: deps.job,
    service: service.name,
    status: 'rolled-back',
    revision: previousRevision.number,
    message,
  });
  deps.log(`${service.name}: ${message}${logs ? `\n${indentText(logs)}` : ''}`);
  return { status: 'rolled-back', revision: previousRevision.number, message: logs ? `${message}\n${logs}` : message };
}
