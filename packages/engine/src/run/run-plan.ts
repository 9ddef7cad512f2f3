import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import { isEngineError } from '../errors.js';
import type { Executor } from '../exec/executor.js';
import { callsStatusFunction, evaluateCondition } from '../expr/index.js';
import type { GitContext } from '../plan/plan-pipeline.js';
import type { JobRun, Plan } from '../plan/plan-types.js';
import type { CacheStore } from '../store/cache-store.js';
import type { JobHandler } from './job-handler.js';
import { formatMs, jobEnvironment, runtimeContext } from './job-context.js';
import { runHandler, runStep, shouldRunStep } from './run-step.js';
import { restoreJobInputs, saveJobOutputs } from './job-files.js';
import { WarmPool } from './warm-pool.js';
import type { TakenContainer } from './warm-pool.js';
import type { CacheState } from './job-files.js';
import { renderRuntime } from './render-runtime.js';
import type { JobStatus, RunStatus } from './events.js';
import type { EventStream } from './event-stream.js';

export { formatMs, runtimeContext } from './job-context.js';

export interface RunDeps {
  executor: Executor;
  events: EventStream;
  /** Directory copied into each job's container. */
  workspace: string;
  git: GitContext;
  concurrency: number;
  trigger?: string;
  /** Secret values by name; reach containers only as env vars of jobs that declare them. */
  secrets?: Record<string, string>;
  signal?: AbortSignal;
  clock?: Clock;
  /** Where artifact archives are kept (the run store's directory); without it `artifacts` are not kept. */
  artifactsDir?: string;
  cache?: CacheStore;
  /** How `build` and `deploy` jobs run; a job of a kind without a handler fails with a clear reason. */
  handlers?: Partial<Record<'build' | 'deploy', JobHandler>>;
}

export interface JobResult {
  id: string;
  jobId: string;
  status: JobStatus;
  allowedFailure: boolean;
  outputs: Record<string, string>;
  durationMs: number;
  reason?: string;
  /** The job's artifact archive on disk, for the jobs that need it. */
  artifacts?: string;
}

export interface RunResult {
  runId: string;
  status: RunStatus;
  durationMs: number;
  jobs: JobResult[];
}

export type Abort = { kind: 'timeout'; scope: 'job' | 'step'; ms: number } | { kind: 'cancel' };

/**
 * Walks the plan: starts every JobRun whose needs are done, up to `concurrency` at once, and reports
 * everything as events. A failed need skips its dependents (with the reason) unless their `if` asks for
 * failure() or always(). Teardown of a job's container runs whatever happened, also after cancellation.
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

  events.emit({
    type: 'run.started',
    pipeline: plan.pipeline,
    planHash: plan.hash,
    jobs: plan.jobs.map((j) => j.id),
    concurrency: deps.concurrency,
  });
  for (const skip of plan.skipped) {
    events.emit({ type: 'job.skipped', job: skip.id, reason: skip.reason });
  }
  let openError: string | undefined;
  try {
    await deps.executor.openRun(events.runId);
  } catch (error) {
    openError = isEngineError(error) ? error.message : `internal error: ${(error as Error).message}`;
  }

  const finishSkipped = (job: JobRun, reason: string) => {
    pending.delete(job.id);
    if (warm.has(job.id)) teardowns.push(warm.discard(job.id));
    results.set(job.id, {
      id: job.id,
      jobId: job.jobId,
      status: 'skipped',
      allowedFailure: false,
      outputs: {},
      durationMs: 0,
      reason,
    });
    events.emit({ type: 'job.skipped', job: job.id, reason });
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
      const promise = executeJob(job, plan, deps, clock, results, teardowns, warm.take(job.id)).then((result) => {
        results.set(job.id, result);
        pending.delete(job.id);
        running.delete(job.id);
      });
      running.set(job.id, promise);
    }
    if (openError === undefined && !deps.signal?.aborted) warmUp(plan, pending, running, results, warm, deps);
    if (running.size === 0) break;
    await Promise.race(running.values());
  }
  await warm.discardAll();
  await Promise.all(teardowns);
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
  return { runId: events.runId, status, durationMs, jobs };

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
 * Runs a job's attempts. Between attempts the container is torn down first; after the last one the teardown
 * goes on in the background (collected in `teardowns`, awaited before the run ends) so that dependents do not
 * wait for a container removal.
 */
async function executeJob(
  job: JobRun,
  plan: Plan,
  deps: RunDeps,
  clock: Clock,
  results: Map<string, JobResult>,
  teardowns: Promise<void>[],
  warmed: TakenContainer | undefined,
): Promise<JobResult> {
  const { events } = deps;
  let attempt = 1;
  for (;;) {
    const result = await attemptJob(job, attempt, plan, deps, clock, results, attempt === 1 ? warmed : undefined);
    const teardown = deps.executor.teardown(job).catch((error: unknown) => {
      events.emit({
        type: 'job.log',
        job: job.id,
        stream: 'stderr',
        line: `teardown failed: ${(error as Error).message}`,
      });
    });
    const retriable = (result.status === 'failed' || result.status === 'timed-out') && !deps.signal?.aborted;
    if (retriable && attempt <= job.retry) await teardown;
    else teardowns.push(teardown);
    if (!retriable || attempt > job.retry) {
      events.emit({
        type: 'job.finished',
        job: job.id,
        status: result.status,
        allowedFailure: result.allowedFailure,
        durationMs: result.durationMs,
        attempt,
        outputs: result.outputs,
        ...(result.reason !== undefined ? { error: result.reason } : {}),
      });
      return result;
    }
    attempt += 1;
    events.emit({ type: 'job.retrying', job: job.id, attempt, reason: result.reason ?? result.status });
  }
}

async function attemptJob(
  job: JobRun,
  attempt: number,
  plan: Plan,
  deps: RunDeps,
  clock: Clock,
  results: Map<string, JobResult>,
  warmed: TakenContainer | undefined,
): Promise<JobResult> {
  const { events, executor } = deps;
  const started = clock.now();
  const controller = new AbortController();
  const stopTimer = new AbortController();
  let abort: Abort | undefined;
  const onRunAbort = () => {
    abort ??= { kind: 'cancel' };
    controller.abort();
  };
  if (deps.signal?.aborted) onRunAbort();
  deps.signal?.addEventListener('abort', onRunAbort, { once: true });
  if (job.timeoutMs !== undefined) {
    const ms = job.timeoutMs;
    clock.sleep(ms, stopTimer.signal).then(
      () => {
        abort ??= { kind: 'timeout', scope: 'job', ms };
        controller.abort();
      },
      () => undefined,
    );
  }

  const finish = (
    status: JobStatus,
    outputs: Record<string, string>,
    reason?: string,
    artifacts?: string,
  ): JobResult => ({
    ...(artifacts !== undefined ? { artifacts } : {}),
    id: job.id,
    jobId: job.jobId,
    status,
    allowedFailure: job.allowFailure && (status === 'failed' || status === 'timed-out'),
    outputs,
    durationMs: clock.now() - started,
    ...(reason !== undefined ? { reason } : {}),
  });

  // An image may come from an earlier job (`image: ${{ jobs.image.outputs.image }}`).
  if (job.image.includes('${{')) {
    try {
      job = { ...job, image: renderRuntime(job.image, runtimeContext(job, job.env, results, deps, plan)) };
    } catch (error) {
      events.emit({ type: 'job.started', job: job.id, attempt, image: job.image });
      return finish('failed', {}, `image: ${(error as Error).message}`);
    }
  }
  events.emit({ type: 'job.started', job: job.id, attempt, image: job.image });
  const outputs: Record<string, string> = {};
  let status: JobStatus = 'success';
  let reason: string | undefined;
  let cacheState: CacheState | undefined;
  let artifacts: string | undefined;
  try {
    const baseCtx = runtimeContext(job, job.env, results, deps, plan);
    const env = jobEnvironment(job, baseCtx, deps);
    const ctx = { ...baseCtx, env };
    if (job.kind !== 'steps') {
      const handler = deps.handlers?.[job.kind];
      if (!handler) return finish('failed', {}, `job kind "${job.kind}" is not supported by this version of ferry`);
      const outcome = await runHandler(job, handler, ctx, env, controller.signal, deps, clock, () => abort);
      Object.assign(outputs, outcome.outputs);
      if (outcome.status !== 'success') {
        status = outcome.status;
        reason = outcome.reason;
      }
      return finish(status, outputs, reason);
    }
    const log = (line: string) => events.emit({ type: 'job.log', job: job.id, stream: 'stdout', line });
    if (warmed) {
      await warmed.prepared;
      for (const { stream, line } of warmed.lines) events.emit({ type: 'job.log', job: job.id, stream, line });
    } else {
      await executor.prepare(
        job,
        { runId: deps.events.runId, workspace: deps.workspace, env },
        {
          signal: controller.signal,
          onLine: (stream, line) => events.emit({ type: 'job.log', job: job.id, stream, line }),
        },
      );
    }
    const needArtifacts = job.needs.flatMap((need) => {
      const archive = results.get(need)?.artifacts;
      return archive ? [{ job: need, archive }] : [];
    });
    cacheState = await restoreJobInputs(job, needArtifacts, ctx, deps, log);
    for (const step of job.steps) {
      const stepStatus = status === 'success' ? 'success' : abort?.kind === 'cancel' ? 'cancelled' : 'failure';
      const run = shouldRunStep(step, { ...ctx, status: stepStatus });
      if (!run.run) {
        events.emit({ type: 'step.skipped', job: job.id, step: step.index, name: step.name, reason: run.reason });
        continue;
      }
      const outcome = await runStep(job, step, ctx, env, outputs, controller.signal, deps, clock, () => abort);
      if (outcome === 'ok') continue;
      status = outcome.kind === 'cancel' ? 'cancelled' : outcome.kind === 'timeout' ? 'timed-out' : 'failed';
      reason = outcome.message;
      if (abort) break;
    }
    if (!abort || abort.kind === 'timeout')
      artifacts = await saveJobOutputs(job, status === 'success', cacheState, deps, log);
  } catch (error) {
    status = abort?.kind === 'cancel' ? 'cancelled' : abort?.kind === 'timeout' ? 'timed-out' : 'failed';
    reason = isEngineError(error) ? error.message : `internal error: ${(error as Error).message}`;
  } finally {
    stopTimer.abort();
    deps.signal?.removeEventListener('abort', onRunAbort);
  }
  if (abort?.kind === 'timeout' && abort.scope === 'job') {
    status = 'timed-out';
    reason = `job timed out after ${formatMs(abort.ms)}`;
  }
  return finish(status, outputs, reason, artifacts);
}

/**
 * Prepares containers for pending step jobs whose needs are all running or passed, up to `concurrency` at a
 * time. Jobs whose env reads run-time values (job outputs) are left alone: their env is not known yet.
 */
function warmUp(
  plan: Plan,
  pending: Map<string, JobRun>,
  running: Map<string, Promise<void>>,
  results: Map<string, JobResult>,
  warm: WarmPool,
  deps: RunDeps,
): void {
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
    if (!job.needs.every((need) => running.has(need) || results.get(need)?.status === 'success')) continue;
    if (Object.values(job.env).some((value) => value.includes('${{'))) continue;
    const env = jobEnvironment(job, runtimeContext(job, job.env, results, deps, plan), deps);
    warm.start(job, { runId: deps.events.runId, workspace: deps.workspace, env });
  }
}
