import type { ResolvedService } from './deploy-types.js';
import { reconcileRolling } from './reconcile-rolling.js';
import { emitReplica } from './replica-event.js';
import type { RolloutDeps, RolloutResult } from './rollout-types.js';

export interface RollBackInput {
  service: ResolvedService;
  /** The revision that failed. */
  target: number;
  /** The revision to restore; none on a first deploy. */
  previous: number | undefined;
  reason: string;
  deps: RolloutDeps;
}

/**
 * Automatic rollback: the rolling reconcile loop with the previous revision as target. Its healthy replicas are
 * kept, missing ones are started (health-gated, within the surge bound), and the failed revision's replicas
 * leave the rotation as the previous revision becomes available again (broken ones at once), then are removed;
 * their last log lines are kept in the message. If the restore itself fails the service is left paused with a
 * clear message: a rollback is never rolled back.
 */
export async function rollBack(input: RollBackInput): Promise<RolloutResult> {
  const { service, target, previous, reason, deps } = input;
  const { provider, router, state, clock } = deps;
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
  const firstLine = reason.split('\n')[0] ?? reason;
  deps.log(
    `${service.name}: rolling back from revision ${target}${previous !== undefined ? ` to revision ${previous}` : ''}: ${firstLine}`,
  );
  const markFailed = () =>
    state.writeRevisions(
      state.revisions().map((r) => (r.number === target ? { ...r, outcome: 'failed' as const } : r)),
    );
  const finish = (result: RolloutResult, journal: Parameters<typeof state.writeJournal>[0], shown = result.message) => {
    state.writeJournal(journal);
    deps.emit({
      type: 'deploy.finished',
      job: deps.job,
      service: service.name,
      status: result.status as 'rolled-back' | 'failed' | 'paused',
      ...(result.revision !== undefined ? { revision: result.revision } : {}),
      message: shown,
    });
    return result;
  };

  // The failed replica's last log lines were printed when it failed; the outcome keeps them for `ferry status`.
  const logs = reason.includes('\n') ? reason.slice(reason.indexOf('\n') + 1) : undefined;
  const previousRevision = state.revisions().find((r) => r.number === previous);
  if (!previousRevision) {
    const routed = new Set(service.publish !== undefined ? await router.backends(service.name) : []);
    for (const replica of (await provider.list(service.name)).filter((r) => r.revision === target)) {
      if (routed.has(replica.id)) await router.drain(service.name, replica.id);
      await provider.remove(replica, service.stopGraceMs);
      emitReplica(deps, service.name, replica, replica.revision, 'removed');
    }
    markFailed();
    const message = `revision ${target} failed and there is no earlier revision to restore: ${firstLine}`;
    return finish(
      { status: 'failed', revision: target, message: logs ? `${message}\n${logs}` : message },
      {
        service: service.name,
        phase: 'idle',
        deployId: deps.deployId,
        updatedAt: clock.now(),
        outcome: { status: 'failed', message, at: clock.now(), ...(logs ? { logs } : {}) },
      },
    );
  }

  const restore = previousRevision.service;
  const outcome = await reconcileRolling({
    service: restore,
    target: previousRevision.number,
    deps,
    failures: 'first',
    monitorMs: 0,
  });
  markFailed();
  if (!outcome.ok) {
    const message = `rollback of ${service.name} to revision ${previousRevision.number} failed: ${outcome.reason.split('\n')[0]}; the service is paused (after: ${firstLine})`;
    return finish(
      { status: 'paused', revision: target, message },
      {
        ...(state.journal() as NonNullable<ReturnType<typeof state.journal>>),
        phase: 'paused',
        updatedAt: clock.now(),
        outcome: { status: 'paused', message, at: clock.now() },
      },
    );
  }
  const message = `revision ${target} (${service.image}) was rolled back to revision ${previousRevision.number}: ${firstLine}`;
  deps.log(`${service.name}: ${message}`);
  return finish(
    { status: 'rolled-back', revision: previousRevision.number, message: logs ? `${message}\n${logs}` : message },
    {
      service: service.name,
      phase: 'idle',
      deployId: deps.deployId,
      active: previousRevision.number,
      updatedAt: clock.now(),
      outcome: { status: 'rolled-back', message, at: clock.now(), ...(logs ? { logs } : {}) },
    },
    message,
  );
}
