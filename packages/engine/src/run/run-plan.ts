import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import { isEngineError } from '../errors.js';
import type { ExecStep, Executor, StepResult } from '../exec/executor.js';
import { evaluateCondition } from '../expr/index.js';
import type { ExprContext } from '../expr/index.js';
import type { GitContext } from '../plan/plan-pipeline.js';
import type { JobRun, Plan, PlannedStep } from '../plan/plan-types.js';
import type { CacheStore } from '../store/cache-store.js';
import { formatBytes } from '../exec/format-bytes.js';
import type { JobHandler } from './job-handler.js';
import { restoreJobInputs, saveJobOutputs } from './job-files.js';
import { WarmPool } from './warm-pool.js';
import type { TakenContainer } from './warm-pool.js';
import type { CacheState } from './job-files.js';
import { renderRuntime } from './render-runtime.js';
import type { JobStatus, RunStatus } from './events.js';
import type { EventStream } from './event-stream.js';

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

type Abort = { kind: 'timeout'; scope: 'job' | 'step'; ms: number } | { kind: 'cancel' };

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

  events.emit({ type: 'run.started', pipeline: plan.pipeline, planHash: plan.hash, jobs: plan.jobs.map((j) => j.id), concurrency: deps.concurrency });
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
    results.set(job.id, { id: job.id, jobId: job.jobId, status: 'skipped', allowedFailure: false, outputs: {}, durationMs: 0, reason });
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
        const failed: JobResult = { id: job.id, jobId: job.jobId, status: 'failed', allowedFailure: false, outputs: {}, durationMs: 0, reason: openError };
        results.set(job.id, failed);
        events.emit({ type: 'job.finished', job: job.id, status: 'failed', allowedFailure: false, durationMs: 0, attempt: 1, outputs: {}, error: openError });
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
    events.emit({ type: 'job.log', job: '', stream: 'stderr', line: `cleaning up the run failed: ${(error as Error).message}` });
  }

  const jobs = [...results.values()];
  const failed = jobs.some((job) => (job.status === 'failed' || job.status === 'timed-out') && !job.allowedFailure);
  const status: RunStatus = deps.signal?.aborted ? 'cancelled' : failed || jobs.some((j) => j.status === 'cancelled') ? 'failed' : 'success';
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

function decideStart(job: JobRun, results: Map<string, JobResult>, deps: RunDeps, plan: Plan): { start: true } | { start: false; reason: string } {
  const needResults = job.needs.map((need) => results.get(need) as JobResult);
  const bad = needResults.find((r) => !(r.status === 'success' || r.allowedFailure));
  const status = deps.signal?.aborted ? 'cancelled' : bad ? 'failure' : 'success';
  if (job.if === undefined) {
    if (deps.signal?.aborted) return { start: false, reason: 'run cancelled' };
    if (bad) return { start: false, reason: `needs "${bad.id}", which ${bad.status === 'skipped' ? 'was skipped' : bad.status === 'timed-out' ? 'timed out' : bad.status}` };
    return { start: true };
  }
  const asksForStatus = /\b(always|failure|cancelled|success)\s*\(/.test(job.if);
  if (!asksForStatus && bad) return { start: false, reason: `needs "${bad.id}", which ${bad.status}` };
  if (!asksForStatus && deps.signal?.aborted) return { start: false, reason: 'run cancelled' };
  const ctx = { ...runtimeContext(job, job.env, results, deps, plan), status };
  try {
    return evaluateCondition(job.if, ctx) ? { start: true } : { start: false, reason: `if "${job.if}" was false` };
  } catch (error) {
    return { start: false, reason: `if "${job.if}" could not be evaluated: ${(error as Error).message}` };
  }
}

export function runtimeContext(job: JobRun, env: Record<string, string>, results: Map<string, JobResult>, deps: RunDeps, plan: Plan): ExprContext {
  const jobs: Record<string, { outputs: Record<string, string>; status: string }> = {};
  for (const other of plan.jobs) {
    const result = results.get(other.id);
    if (!result) continue;
    const entry = (jobs[other.jobId] ??= { outputs: {}, status: result.status });
    Object.assign(entry.outputs, result.outputs);
    entry.status = result.status;
  }
  const secrets = Object.fromEntries(job.secrets.map((name) => [name, deps.secrets?.[name] ?? '']));
  return { git: { ...deps.git }, env, matrix: job.matrix, run: { trigger: deps.trigger ?? 'cli' }, jobs, secrets };
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
      events.emit({ type: 'job.log', job: job.id, stream: 'stderr', line: `teardown failed: ${(error as Error).message}` });
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

  const finish = (status: JobStatus, outputs: Record<string, string>, reason?: string, artifacts?: string): JobResult => ({
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
      await executor.prepare(job, { runId: deps.events.runId, workspace: deps.workspace, env }, {
        signal: controller.signal,
        onLine: (stream, line) => events.emit({ type: 'job.log', job: job.id, stream, line }),
      });
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
    if (!abort || abort.kind === 'timeout') artifacts = await saveJobOutputs(job, status === 'success', cacheState, deps, log);
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

type StepOutcome = 'ok' | { kind: 'failed' | 'timeout' | 'cancel'; scope?: 'job' | 'step'; message: string };

async function runStep(
  job: JobRun,
  step: PlannedStep,
  ctx: ExprContext,
  jobEnv: Record<string, string>,
  outputs: Record<string, string>,
  jobSignal: AbortSignal,
  deps: RunDeps,
  clock: Clock,
  jobAbort: () => Abort | undefined,
): Promise<StepOutcome> {
  const { events } = deps;
  const started = clock.now();
  events.emit({ type: 'step.started', job: job.id, step: step.index, name: step.name });
  const stepController = new AbortController();
  const stopTimer = new AbortController();
  let timedOut = false;
  const onJobAbort = () => stepController.abort();
  if (jobSignal.aborted) stepController.abort();
  jobSignal.addEventListener('abort', onJobAbort, { once: true });
  if (step.timeoutMs !== undefined) {
    clock.sleep(step.timeoutMs, stopTimer.signal).then(
      () => {
        timedOut = true;
        stepController.abort();
      },
      () => undefined,
    );
  }
  let result: StepResult;
  let execStep: ExecStep;
  try {
    execStep = {
      index: step.index,
      name: step.name,
      run: renderRuntime(step.run, ctx),
      env: { ...jobEnv, ...renderRecord(step.env, ctx) },
    };
    result = await deps.executor.runStep(job, execStep, {
      signal: stepController.signal,
      onLine: (stream, line) => events.emit({ type: 'step.log', job: job.id, step: step.index, stream, line }),
    });
  } catch (error) {
    const message = isEngineError(error) ? error.message : `internal error: ${(error as Error).message}`;
    events.emit({ type: 'step.log', job: job.id, step: step.index, stream: 'stderr', line: message });
    events.emit({ type: 'step.finished', job: job.id, step: step.index, name: step.name, exitCode: -1, status: 'failed', allowedFailure: step.allowFailure, durationMs: clock.now() - started });
    return step.allowFailure ? 'ok' : { kind: 'failed', message: `step "${step.name}": ${message}` };
  } finally {
    stopTimer.abort();
    jobSignal.removeEventListener('abort', onJobAbort);
  }
  Object.assign(outputs, result.outputs);
  const abort = jobAbort();
  const durationMs = clock.now() - started;
  let outcome: StepOutcome = 'ok';
  let status: 'success' | 'failed' | 'timed-out' | 'cancelled' = 'success';
  if (result.aborted && timedOut) {
    status = 'timed-out';
    outcome = { kind: 'timeout', scope: 'step', message: `step "${step.name}" timed out after ${formatMs(step.timeoutMs ?? 0)}` };
  } else if (result.aborted && abort?.kind === 'timeout') {
    status = 'timed-out';
    outcome = { kind: 'timeout', scope: 'job', message: `job timed out after ${formatMs(abort.ms)}` };
  } else if (result.aborted) {
    status = 'cancelled';
    outcome = { kind: 'cancel', message: 'run cancelled' };
  } else if (result.oomKilled) {
    status = 'failed';
    const limit = job.resources.memoryBytes !== undefined ? ` of ${formatBytes(job.resources.memoryBytes)}` : '';
    outcome = { kind: 'failed', message: `step "${step.name}" was killed for running out of memory (the job's memory limit${limit}; raise resources.memory)` };
    events.emit({ type: 'step.log', job: job.id, step: step.index, stream: 'stderr', line: `killed: out of memory${limit}` });
  } else if (result.exitCode !== 0) {
    status = 'failed';
    outcome = { kind: 'failed', message: `step "${step.name}" exited with code ${result.exitCode}` };
  }
  const allowed = status === 'failed' && step.allowFailure;
  events.emit({ type: 'step.finished', job: job.id, step: step.index, name: step.name, exitCode: result.exitCode, status, allowedFailure: allowed, durationMs });
  return allowed ? 'ok' : outcome;
}

async function runHandler(
  job: JobRun,
  handler: JobHandler,
  ctx: ExprContext,
  env: Record<string, string>,
  signal: AbortSignal,
  deps: RunDeps,
  clock: Clock,
  jobAbort: () => Abort | undefined,
): Promise<{ status: JobStatus; outputs: Record<string, string>; reason?: string }> {
  const { events } = deps;
  const started = clock.now();
  const name = handler.stepName(job);
  events.emit({ type: 'step.started', job: job.id, step: 0, name });
  let status: JobStatus = 'success';
  let reason: string | undefined;
  let outputs: Record<string, string> = {};
  try {
    const result = await handler.run(job, {
      runId: events.runId,
      workspace: deps.workspace,
      git: deps.git,
      env,
      expr: ctx,
      secrets: Object.fromEntries(job.secrets.map((secret) => [secret, deps.secrets?.[secret] ?? ''])),
      signal,
      onLine: (stream, line) => events.emit({ type: 'step.log', job: job.id, step: 0, stream, line }),
      emit: (body) => events.emit(body),
    });
    outputs = result.outputs;
    if (result.status === 'failed') {
      status = 'failed';
      reason = result.error ?? `${name} failed`;
    }
  } catch (error) {
    reason = isEngineError(error) ? error.message : `internal error: ${(error as Error).message}`;
    status = 'failed';
  }
  const abort = jobAbort();
  if (abort?.kind === 'cancel') status = 'cancelled';
  if (abort?.kind === 'timeout') status = 'timed-out';
  if (status !== 'success' && reason) events.emit({ type: 'step.log', job: job.id, step: 0, stream: 'stderr', line: reason });
  const stepStatus = status === 'success' ? 'success' : status === 'cancelled' ? 'cancelled' : status === 'timed-out' ? 'timed-out' : 'failed';
  events.emit({ type: 'step.finished', job: job.id, step: 0, name, exitCode: status === 'success' ? 0 : 1, status: stepStatus, allowedFailure: false, durationMs: clock.now() - started });
  return { status, outputs, ...(reason !== undefined ? { reason } : {}) };
}

function shouldRunStep(step: PlannedStep, ctx: ExprContext & { status: string }): { run: true } | { run: false; reason: string } {
  const condition = step.if;
  const asksForStatus = condition !== undefined && /\b(always|failure|cancelled|success)\s*\(/.test(condition);
  if (!asksForStatus && ctx.status !== 'success') return { run: false, reason: ctx.status === 'cancelled' ? 'run cancelled' : 'an earlier step failed' };
  if (condition === undefined) return { run: true };
  try {
    return evaluateCondition(condition, ctx) ? { run: true } : { run: false, reason: `if "${condition}" was false` };
  } catch (error) {
    return { run: false, reason: `if "${condition}" could not be evaluated: ${(error as Error).message}` };
  }
}

/**
 * Prepares containers for pending step jobs whose needs are all running or passed, up to `concurrency` at a
 * time. Jobs whose env reads run-time values (job outputs) are left alone: their env is not known yet.
 */
function warmUp(plan: Plan, pending: Map<string, JobRun>, running: Map<string, Promise<void>>, results: Map<string, JobResult>, warm: WarmPool, deps: RunDeps): void {
  for (const job of pending.values()) {
    if (warm.size >= deps.concurrency) return;
    if (running.has(job.id) || warm.has(job.id) || job.kind !== 'steps' || job.needs.length === 0 || job.image.includes('${{')) continue;
    if (!job.needs.every((need) => running.has(need) || results.get(need)?.status === 'success')) continue;
    if (Object.values(job.env).some((value) => value.includes('${{'))) continue;
    const env = jobEnvironment(job, runtimeContext(job, job.env, results, deps, plan), deps);
    warm.start(job, { runId: deps.events.runId, workspace: deps.workspace, env });
  }
}

function jobEnvironment(job: JobRun, ctx: ExprContext, deps: RunDeps): Record<string, string> {
  return {
    ...builtinEnv(job, deps),
    ...renderRecord(job.env, ctx),
    ...Object.fromEntries(job.secrets.map((name) => [name, deps.secrets?.[name] ?? ''])),
  };
}

function builtinEnv(job: JobRun, deps: RunDeps): Record<string, string> {
  return {
    CI: 'true',
    FERRY: 'true',
    FERRY_RUN_ID: deps.events.runId,
    FERRY_JOB: job.jobId,
    FERRY_JOB_RUN: job.id,
    FERRY_SHA: deps.git.sha,
    FERRY_REF: deps.git.ref,
    FERRY_BRANCH: deps.git.branch,
    FERRY_TAG: deps.git.tag,
    FERRY_WORKSPACE: job.workdir,
  };
}

function renderRecord(map: Record<string, string>, ctx: ExprContext): Record<string, string> {
  return Object.fromEntries(Object.entries(map).map(([key, value]) => [key, renderRuntime(value, ctx)]));
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${Math.round(ms / 100) / 10}s`;
  return `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`;
}
