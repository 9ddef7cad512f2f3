import type { RunEventBody } from '../run/events.js';
import type { ResolvedService, Revision } from './deploy-types.js';
import { dropDeadBackends } from './drop-dead-backends.js';
import { rollBack } from './roll-back.js';
import { keepHistory } from './keep-history.js';
import { reconcileRolling } from './reconcile-rolling.js';
import type { RolloutDeps, RolloutResult } from './rollout-types.js';
import type { DeployJournal } from './state/service-state.js';
import { isCanaryRouter } from './traffic-router.js';
import { runCanary } from './roll-out-canary.js';

export type { RolloutDeps, RolloutResult } from './rollout-types.js';

/**
 * Rolls `service` out to its current spec, health-gated: the canary phase first when the service has one, then
 * the rolling reconcile loop (reconcile-rolling.ts, deciding with decide/decide-rolling.ts: new replicas start
 * within maxSurge, each is admitted to the proxy once healthy, old ones are drained and stopped only while
 * enough stay available, with a pause between batches and a monitor window after the last). Failed new
 * replicas (exited, unhealthy, not ready within progressDeadline) past maxFailureRatio roll the service back to
 * the previous revision. Resumable: what runs is read from Docker labels, and the journal says which revision
 * was the target, so a second call after a crash continues where the first stopped.
 */
export async function rollOut(service: ResolvedService, deps: RolloutDeps): Promise<RolloutResult> {
  const release = deps.state.lock();
  // Every deploy event also goes to the service's timeline, which outlives the run that made it.
  const emit = (body: RunEventBody) => {
    deps.emit(body);
    if (!body.type.startsWith('deploy.')) return;
    try {
      deps.state.record?.({ ...(body as Extract<RunEventBody, { type: `deploy.${string}` }>), at: deps.clock.now() });
    } catch (error) {
      // The timeline is a view for people: a full disk there does not stop a rollout.
      deps.log(`${service.name}: the deploy timeline could not be written: ${(error as Error).message}`);
    }
  };
  try {
    return await rollOutLocked(service, { ...deps, emit });
  } finally {
    release();
  }
}

async function rollOutLocked(service: ResolvedService, deps: RolloutDeps): Promise<RolloutResult> {
  const { provider, router, state, clock } = deps;
  const journal = state.journal();
  const revisions = state.revisions();
  const inFlight = journal && journal.phase !== 'idle' && journal.phase !== 'paused';
  const active = inFlight ? journal.previous : journal?.active;
  const existing = revisions.find((revision) => revision.configHash === service.configHash);
  const replicas = await provider.list(service.name);
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
    // Promoted: the canary replicas now serve in the stable pool; the rolling loop counts them as new.
    if (aborted) return aborted;
  }

  const outcome = await reconcileRolling({
    service,
    target,
    deps,
    failures: 'ratio',
    monitorMs: service.rolling.monitorMs,
    onMonitoring: () => writeJournal({ phase: 'monitoring' }),
    onProgress: () => writeJournal({}),
  });
  if (!outcome.ok) return rollBack({ service, target, previous: active, reason: outcome.reason, deps });

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
