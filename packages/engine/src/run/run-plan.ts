import { systemClock } from '../clock.js';
import { isFerryError } from '../errors.js';
import { callsStatusFunction, evaluateCondition } from '../expr/index.js';
import type { JobRun, Plan } from '../plan/plan-types.js';
import type { RunStatus } from './events.js';
import { executeJob } from './execute-job.js';
import { jobEnvironment, runtimeContext } from './job-context.js';
import type { JobResult, RunDeps, RunResult, RunScope } from './run-types.js';
import { WarmPool } from './warm-pool.js';
import { JobCheckouts, prepareOptionsFor } from './job-checkouts.js';

export { formatMs, runtimeContext } from './job-context.js';
export type { Abort, JobResult, RunDeps, RunResult } from './run-types.js';

/**
 * Walks the plan: starts every JobRun whose needs are done, up to `concurrency` at once, and reports
 * everything as events. A failed need skips its dependents (with the reason) unless their `if` asks for
 * failure() or always(). Teardown of a job's container runs whatever happened, also after cancellation.
 * `run.finished` is emitted before the run's containers and network are removed; runPlan resolves after.
 */
export async function runPlan(plan: Plan, deps: RunDeps): Promise<RunResult> {
  const clock = deps.clock ?? systemClock;
  const { events } = deps;
  const started = clock.now();
  const results = new Map<string, JobResult>();
  const pending = new Map(plan.jobs.map((job) => [job.id, job]));
  const running = new Map<string, Promise<void>>();
  const waitingReason = new Map<string, string>();
  const teardowns: Promise<void>[] = [];
  const warm = new WarmPool(deps.executor, deps.signal);
  const checkouts = new JobCheckouts(deps.workspace, deps.git, deps.submodulesUnsupported);
  // Running jobs whose container is ready: dependents are warmed only then, so that their container starts do
  // not compete with the container start of the job they wait for (on a busy engine that doubled it).
  const prepared = new Set<string>();
  let wake = () => {};
  const onPrepared = (jobRunId: string) => {
    prepared.add(jobRunId);
    wake();
  };
  const scope: RunScope = { plan, deps, clock, results, teardowns, checkouts, onPrepared };

  events.emit({
    type: 'run.started',
    pipeline: plan.pipeline,
    planHash: plan.hash,
    jobs: plan.jobs.map((j) => j.id),
    concurrency: deps.concurrency,
    needs: Object.fromEntries(plan.jobs.map((j) => [j.id, j.needs])),
  });
  for (const skip of plan.skipped) {
    events.emit({ type: 'job.skipped', job: skip.id, reason: skip.reason });
  }
  // Not awaited before jobs start: their checkouts and workspace listings overlap it, and a prepare waits for
  // it only before creating its container. Jobs started after it failed fail without starting.
  let openError: string | undefined;
  const opening = deps.executor.openRun(events.runId).catch((error: unknown) => {
    openError = isFerryError(error) ? error.message : `internal error: ${(error as Error).message}`;
  });

  /** A job that never starts: skipped (a need failed, `if` was false) or cancelled (a matrix sibling failed). */
  const finishUnstarted = (job: JobRun, status: 'skipped' | 'cancelled', reason: string) => {
    pending.delete(job.id);
    if (warm.has(job.id)) teardowns.push(warm.discard(job.id));
    results.set(job.id, {
      id: job.id,
      jobId: job.jobId,
      status,
      allowedFailure: false,
      outputs: {},
      durationMs: 0,
      reason,
    });
    if (status === 'skipped') events.emit({ type: 'job.skipped', job: job.id, reason });
    else {
      const body = { allowedFailure: false, durationMs: 0, attempt: 0, outputs: {}, error: reason };
      events.emit({ type: 'job.finished', job: job.id, status, ...body });
    }
  };
  const finishSkipped = (job: JobRun, reason: string) => finishUnstarted(job, 'skipped', reason);

  // One per started JobRun: a failed matrix cell aborts its running siblings through it (failFast).
  const cancellers = new Map<string, AbortController>();
  /** GitHub's fail-fast: a cell that failed for good cancels the cells of its job that are running or pending. */
  const failFast = (failed: JobRun, result: JobResult) => {
    if (!failed.strategy?.failFast || result.allowedFailure) return;
    if (result.status !== 'failed' && result.status !== 'timed-out') return;
    const reason = `cancelled because ${failed.id} ${result.status === 'timed-out' ? 'timed out' : 'failed'} (matrix failFast)`;
    for (const sibling of [...pending.values()]) {
      if (sibling.jobId !== failed.jobId || sibling.id === failed.id) continue;
      if (running.has(sibling.id)) cancellers.get(sibling.id)?.abort(reason);
      else finishUnstarted(sibling, 'cancelled', reason);
    }
  };

  for (;;) {
    // Decide every pending job whose needs are all finished; repeat since a skip can settle others.
    let changed = true;
    while (changed) {
      changed = false;
      for (const job of pending.values()) {
        if (running.has(job.id)) continue;
        const unfinished = job.needs.filter((need) => !results.has(need));
        if (unfinished.length > 0) {
          noteWaiting(job, `waiting for ${unfinished.join(', ')}`);
          continue;
        }
        const verdict = decideStart(job, results, deps, plan);
        if (verdict.start) continue;
        finishSkipped(job, verdict.reason);
        changed = true;
      }
    }
    for (const job of pending.values()) {
      if (running.has(job.id) || job.needs.some((need) => !results.has(need))) continue;
      if (deps.signal?.aborted) {
        finishSkipped(job, 'run cancelled');
        continue;
      }
      if (openError !== undefined) {
        pending.delete(job.id);
        const failed: JobResult = {
          id: job.id,
          jobId: job.jobId,
          status: 'failed',
          allowedFailure: false,
          outputs: {},
          durationMs: 0,
          reason: openError,
        };
        results.set(job.id, failed);
        events.emit({
          type: 'job.finished',
          job: job.id,
          status: 'failed',
          allowedFailure: false,
          durationMs: 0,
          attempt: 1,
          outputs: {},
          error: openError,
        });
        continue;
      }
      if (running.size >= deps.concurrency) {
        noteWaiting(job, `concurrency limit of ${deps.concurrency} reached`);
        continue;
      }
      const maxParallel = job.strategy?.maxParallel;
      if (maxParallel !== undefined && countRunning(job.jobId) >= maxParallel) {
        noteWaiting(job, `maxParallel of ${maxParallel} reached for the cells of ${job.jobId}`);
        continue;
      }
      const canceller = new AbortController();
      cancellers.set(job.id, canceller);
      const promise = executeJob(job, scope, warm.take(job.id), canceller.signal).then((result) => {
        results.set(job.id, result);
        pending.delete(job.id);
        running.delete(job.id);
        cancellers.delete(job.id);
        failFast(job, result);
      });
      running.set(job.id, promise);
    }
    if (openError === undefined && !deps.signal?.aborted) warmUp(scope, pending, running, prepared, warm);
    if (running.size === 0) break;
    await Promise.race([...running.values(), new Promise<void>((resolve) => (wake = resolve))]);
  }
  const jobs = [...results.values()];
  const failed = jobs.some((job) => (job.status === 'failed' || job.status === 'timed-out') && !job.allowedFailure);
  const status: RunStatus = deps.signal?.aborted
    ? 'cancelled'
    : failed || jobs.some((j) => j.status === 'cancelled')
      ? 'failed'
      : 'success';
  const durationMs = clock.now() - started;
  const summary = { success: 0, failed: 0, cancelled: 0, 'timed-out': 0, skipped: 0 };
  for (const job of jobs) summary[job.status] += 1;
  summary.skipped += plan.skipped.length;
  events.emit({ type: 'run.finished', status, durationMs, summary });
  // The result is reported before the clean-up (container and network removal, ~0.5 s on an idle engine),
  // which still ends before runPlan resolves: nothing of the run is left once it has.
  await opening;
  await warm.discardAll();
  await Promise.all(teardowns);
  await checkouts.removeAll();
  try {
    await deps.executor.closeRun(events.runId);
  } catch (error) {
    events.emit({
      type: 'job.log',
      job: '',
      stream: 'stderr',
      line: `cleaning up the run failed: ${(error as Error).message}`,
    });
  }

  return { runId: events.runId, status, durationMs, jobs };

  function countRunning(jobId: string): number {
    let count = 0;
    for (const id of running.keys()) if (pending.get(id)?.jobId === jobId) count += 1;
    return count;
  }

  function noteWaiting(job: JobRun, reason: string) {
    if (waitingReason.get(job.id) === reason) return;
    waitingReason.set(job.id, reason);
    events.emit({ type: 'job.waiting', job: job.id, reason });
  }
}

function decideStart(
  job: JobRun,
  results: Map<string, JobResult>,
  deps: RunDeps,
  plan: Plan,
): { start: true } | { start: false; reason: string } {
  const needResults = job.needs.map((need) => results.get(need) as JobResult);
  const bad = needResults.find((r) => !(r.status === 'success' || r.allowedFailure));
  const status = deps.signal?.aborted ? 'cancelled' : bad ? 'failure' : 'success';
  if (job.if === undefined) {
    if (deps.signal?.aborted) return { start: false, reason: 'run cancelled' };
    if (bad)
      return {
        start: false,
        reason: `needs "${bad.id}", which ${bad.status === 'skipped' ? 'was skipped' : bad.status === 'timed-out' ? 'timed out' : bad.status}`,
      };
    return { start: true };
  }
  const asksForStatus = callsStatusFunction(job.if);
  if (!asksForStatus && bad) return { start: false, reason: `needs "${bad.id}", which ${bad.status}` };
  if (!asksForStatus && deps.signal?.aborted) return { start: false, reason: 'run cancelled' };
  const ctx = { ...runtimeContext(job, job.env, results, deps, plan), status };
  try {
    return evaluateCondition(job.if, ctx) ? { start: true } : { start: false, reason: `if "${job.if}" was false` };
  } catch (error) {
    return { start: false, reason: `if "${job.if}" could not be evaluated: ${(error as Error).message}` };
  }
}

/**
 * Prepares containers for pending step jobs whose needs are all running with their container ready (step jobs), or passed, up
 * to `concurrency` at a time. Jobs whose env reads run-time values (job outputs) are left alone: their env is not known yet.
 */
function warmUp(
  { plan, deps, results, checkouts }: RunScope,
  pending: Map<string, JobRun>,
  running: Map<string, Promise<void>>,
  prepared: ReadonlySet<string>,
  warm: WarmPool,
): void {
  const kindOf = new Map(plan.jobs.map((job) => [job.id, job.kind]));
  for (const job of pending.values()) {
    if (warm.size >= deps.concurrency) return;
    if (
      running.has(job.id) ||
      warm.has(job.id) ||
      job.kind !== 'steps' ||
      job.needs.length === 0 ||
      job.image.includes('${{')
    )
      continue;
    // A build job's image may be this job's image: its container waits until the build is over.
    const ready = (need: string) =>
      (running.has(need) && prepared.has(need) && kindOf.get(need) === 'steps') ||
      results.get(need)?.status === 'success';
    if (!job.needs.every(ready)) continue;
    // Cells of one job beyond maxParallel would hold containers while they wait their turn.
    const maxParallel = job.strategy?.maxParallel;
    if (
      maxParallel !== undefined &&
      [...running.keys(), ...warm.ids()].filter((id) => pending.get(id)?.jobId === job.jobId).length >= maxParallel
    )
      continue;
    if (Object.values(job.env).some((value) => value.includes('${{'))) continue;
    const env = jobEnvironment(job, runtimeContext(job, job.env, results, deps, plan), deps);
    warm.start(job, prepareOptionsFor(job, checkouts, { runId: deps.events.runId, workspace: deps.workspace, env }));
  }
}
