import type { Replica, ResolvedService } from './deploy-types.js';
import { ReplicaWatch } from './health/watch-replica.js';
import type { RolloutDeps, RolloutResult } from './rollout-types.js';
import { decideCanaryStep, judgeCheck } from './decide/decide-canary.js';
import { analyzeCanary, type CanaryVerdict } from './strategies/analyze-canary.js';
import type { CanaryRouter } from './traffic-router.js';
import { emitReplica } from './replica-event.js';

export interface CanaryInput {
  service: ResolvedService;
  router: CanaryRouter;
  target: number;
  previous: number;
  /** Target-revision replicas already running (a resumed canary) and whether the proxy has them. */
  existing: Replica[];
  routed: Set<string>;
  deps: RolloutDeps;
}

/**
 * The canary phase: a canary pool of the new revision beside the full stable pool. Each step sets the canary's
 * weight and holds for its pause (an absolute deadline in the journal, so a restarted deployer resumes the
 * remaining time) while the proxy's per-pool counters are analysed every interval. Abort is instant: weight 0,
 * then the canary replicas go; the stable pool never shrank. Returns undefined once promoted (the canary
 * replicas are in the stable pool, weight 0, and the rolling rules take the rest), or the failed result.
 */
export async function runCanary(input: CanaryInput): Promise<RolloutResult | undefined> {
  const { service, router, target, previous, routed, deps } = input;
  const { provider, state, clock } = deps;
  const canary = service.canary;
  if (!canary) return undefined;
  const journal = state.journal();
  const resumeAt = journal?.phase === 'canary' && journal.target === target ? journal.canary : undefined;
  const count =
    typeof canary.replicas === 'number'
      ? canary.replicas
      : Math.max(1, Math.ceil((Number(canary.replicas.replace('%', '')) * service.replicas) / 100));
  const writeJournal = (patch: Record<string, unknown>) =>
    state.writeJournal({
      ...(state.journal() ?? { service: service.name, phase: 'canary', deployId: deps.deployId, updatedAt: 0 }),
      ...patch,
      deployId: deps.deployId,
      updatedAt: clock.now(),
    });
  const watches: ReplicaWatch[] = [];
  const pool: Replica[] = [];

  const abort = async (reason: string): Promise<RolloutResult> => {
    await router.setCanaryWeight(service.name, 0);
    for (const watch of watches) watch.stop();
    deps.emit({ type: 'deploy.rollback', job: deps.job, service: service.name, from: target, to: previous, reason });
    for (const replica of [...pool, ...input.existing.filter((r) => !pool.includes(r))]) {
      if (routed.has(replica.id)) await router.drain(service.name, replica.id);
      routed.delete(replica.id);
      await provider.remove(replica, service.stopGraceMs);
    }
    const message = `canary of revision ${target} (${service.image}) aborted: ${reason}; revision ${previous} kept serving at full strength`;
    state.writeRevisions(
      state.revisions().map((r) => (r.number === target ? { ...r, outcome: 'failed' as const } : r)),
    );
    state.writeJournal({
      service: service.name,
      phase: 'idle',
      deployId: deps.deployId,
      active: previous,
      updatedAt: clock.now(),
      outcome: { status: 'rolled-back', message, at: clock.now() },
    });
    deps.emit({
      type: 'deploy.finished',
      job: deps.job,
      service: service.name,
      status: 'rolled-back',
      revision: previous,
      message,
    });
    deps.log(`${service.name}: ${message}`);
    return { status: 'rolled-back', revision: previous, message };
  };

  try {
    writeJournal({ phase: 'canary', target, previous, ...(resumeAt ? {} : { canary: { step: 0, weight: 0 } }) });
    // The canary pool: replicas found running (a resumed canary) plus new ones, each health-gated, at weight 0.
    for (const replica of input.existing) {
      if (pool.length >= count) break;
      pool.push(replica);
      watches.push(
        new ReplicaWatch(replica, service.health, provider, clock, service.progressDeadlineMs, () => undefined),
      );
    }
    if (!resumeAt) await router.setCanaryWeight(service.name, 0);
    if (service.publish !== undefined)
      await router.putService(service.name, { listen: service.publish, sticky: canary.sticky ?? null });
    while (pool.length < count) {
      const replica = await provider.start(service, target, deps.deployId);
      pool.push(replica);
      watches.push(
        new ReplicaWatch(replica, service.health, provider, clock, service.progressDeadlineMs, () => undefined),
      );
      emitReplica(deps, service.name, replica, target, 'started');
    }
    for (const [index, watch] of watches.entries()) {
      while (watch.health.phase === 'starting') await clock.sleep(25);
      if (watch.health.phase === 'failed')
        return await abort(
          `canary replica ${watch.replica.name} failed: ${watch.health.check}: ${watch.health.output}`,
        );
      const replica = pool[index] as Replica;
      if (!routed.has(replica.id)) {
        await router.admit(service.name, { id: replica.id, address: replica.address, pool: 'canary' });
        routed.add(replica.id);
        emitReplica(deps, service.name, replica, target, 'admitted');
      }
    }

    let weight = resumeAt?.weight ?? 0;
    for (let index = resumeAt?.step ?? 0; index < canary.steps.length; index++) {
      const step = canary.steps[index] as (typeof canary.steps)[number];
      weight = step.weight ?? weight;
      await router.setCanaryWeight(service.name, weight);
      const started = clock.now();
      const resumed = resumeAt && resumeAt.step === index ? resumeAt.deadline : undefined;
      const deadline = step.pause === 'manual' ? undefined : (resumed ?? started + step.pause);
      writeJournal({ canary: { step: index, weight, ...(deadline !== undefined ? { deadline } : {}) } });
      deps.emit({
        type: 'deploy.canary',
        job: deps.job,
        service: service.name,
        step: index,
        weight,
        pause: step.pause === 'manual' ? 'manual' : Math.max(0, (deadline ?? started) - started),
      });
      deps.log(
        `${service.name}: canary step ${index + 1}/${canary.steps.length}: weight ${weight}%${step.pause === 'manual' ? ', waiting for ferry promote' : `, holding ${Math.round(((deadline ?? started) - started) / 1000)}s`}`,
      );
      let failures = 0;
      // Without limits there is nothing to judge; with them a step ends only after a passing check.
      const judged =
        canary.analysis.maxErrorRate !== undefined ||
        canary.analysis.maxLatencyP99Ms !== undefined ||
        canary.analysis.maxLatencyRatio !== undefined;
      let lastVerdict: CanaryVerdict['verdict'] | undefined;
      let nextCheck = started + canary.analysis.intervalMs;
      let promote = false;
      for (;;) {
        const abortRequested = state.take('abort');
        promote ||= !abortRequested && state.take('promote');
        const failed = watches.find((w) => w.health.phase === 'failed');
        const decision = decideCanaryStep({
          now: clock.now(),
          ...(deadline !== undefined ? { deadline } : {}),
          nextCheck,
          ...(abortRequested ? { requested: 'abort' as const } : promote ? { requested: 'promote' as const } : {}),
          ...(failed && failed.health.phase === 'failed'
            ? {
                failedReplica: `canary replica ${failed.replica.name} failed: ${failed.health.check}: ${failed.health.output}`,
              }
            : {}),
          judged,
          ...(lastVerdict ? { lastVerdict } : {}),
        });
        if (decision.kind === 'abort') return await abort(decision.reason);
        if (decision.kind === 'advance') break;
        if (decision.kind === 'wait') {
          await clock.sleep(50);
          continue;
        }
        const now = clock.now();
        nextCheck = now + canary.analysis.intervalMs;
        const stats = await router.stats(service.name, Math.max(1, Math.round(canary.analysis.windowMs / 1000)));
        const canaryWindow = stats.pools.canary.window;
        const stableWindow = stats.pools.stable.window;
        const verdict = analyzeCanary(canaryWindow, stableWindow, canary.analysis);
        deps.emit({
          type: 'deploy.analysis',
          job: deps.job,
          service: service.name,
          step: index,
          verdict: verdict.verdict,
          message: verdict.message,
          canary: { requests: canaryWindow.requests, errorRate: canaryWindow.errorRate, p99Ms: canaryWindow.p99Ms },
          stable: { requests: stableWindow.requests, errorRate: stableWindow.errorRate, p99Ms: stableWindow.p99Ms },
        });
        deps.log(`${service.name}: analysis at ${weight}%: ${verdict.verdict}: ${verdict.message}`);
        lastVerdict = verdict.verdict;
        const outcome = judgeCheck(verdict, failures, canary.analysis, now - started, service.progressDeadlineMs);
        failures = outcome.failures;
        if (outcome.abort) return await abort(outcome.abort);
      }
    }

    await router.promoteCanary(service.name);
    await router.setCanaryWeight(service.name, 0);
    writeJournal({ phase: 'rolling', canary: undefined });
    deps.log(`${service.name}: canary of revision ${target} promoted; rolling the stable pool`);
    return undefined;
  } finally {
    for (const watch of watches) watch.stop();
  }
}
