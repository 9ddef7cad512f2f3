import { isFerryError } from '../errors.js';
import type { JobRun } from '../plan/plan-types.js';
import type { JobStatus } from './events.js';
import { formatMs, jobEnvironment, runtimeContext } from './job-context.js';
import { copyActions, restoreJobInputs, saveJobOutputs } from './job-files.js';
import type { CacheState } from './job-files.js';
import { renderRuntime } from './render-runtime.js';
import { renderJobOutputs } from './render-job-outputs.js';
import { runHandler, runStep, shouldRunStep } from './run-step.js';
import { createStepsState, recordSkippedStep, stepContext } from './steps-state.js';
import type { Abort, JobResult, JobScope, RunScope } from './run-types.js';
import type { TakenContainer } from './warm-pool.js';
import { prepareOptionsFor } from './job-checkouts.js';

/**
 * Runs a job's attempts. Between attempts the container is torn down first; after the last one the teardown
 * goes on in the background (collected in `teardowns`, awaited before the run ends) so that dependents do not
 * wait for a container removal.
 */
export async function executeJob(
  job: JobRun,
  run: RunScope,
  warmed?: TakenContainer,
  cancel?: AbortSignal,
): Promise<JobResult> {
  const { deps, teardowns } = run;
  const { events } = deps;
  let attempt = 1;
  for (;;) {
    const result = await attemptJob(job, attempt, run, attempt === 1 ? warmed : undefined, cancel);
    const teardown = deps.executor.teardown(job).catch((error: unknown) => {
      events.emit({
        type: 'job.log',
        job: job.id,
        stream: 'stderr',
        line: `teardown failed: ${(error as Error).message}`,
      });
    });
    const retriable =
      (result.status === 'failed' || result.status === 'timed-out') && !deps.signal?.aborted && !cancel?.aborted;
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
  run: RunScope,
  warmed: TakenContainer | undefined,
  cancel: AbortSignal | undefined,
): Promise<JobResult> {
  const { plan, deps, clock, results } = run;
  const { events, executor } = deps;
  const started = clock.now();
  const controller = new AbortController();
  const stopTimer = new AbortController();
  let abort: Abort | undefined;
  const onRunAbort = () => {
    abort ??= { kind: 'cancel' };
    controller.abort();
  };
  const onCancel = () => {
    abort ??= { kind: 'cancel', reason: String(cancel?.reason) };
    controller.abort();
  };
  if (deps.signal?.aborted) onRunAbort();
  else if (cancel?.aborted) onCancel();
  deps.signal?.addEventListener('abort', onRunAbort, { once: true });
  cancel?.addEventListener('abort', onCancel, { once: true });
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
  const state = createStepsState();
  let status: JobStatus = 'success';
  let reason: string | undefined;
  let cacheState: CacheState | undefined;
  let artifacts: string | undefined;
  try {
    const baseCtx = runtimeContext(job, job.env, results, deps, plan);
    const env = jobEnvironment(job, baseCtx, deps);
    const ctx = { ...baseCtx, env };
    const scope: JobScope = { job, ctx, env, signal: controller.signal, deps, clock, abort: () => abort };
    if (job.kind !== 'steps') {
      const handler = deps.handlers?.[job.kind];
      if (!handler) return finish('failed', {}, `job kind "${job.kind}" is not supported by this version of ferry`);
      run.onPrepared(job.id);
      const outcome = await runHandler({ ...scope, job }, handler);
      Object.assign(outputs, outcome.outputs);
      if (outcome.status !== 'success') {
        status = outcome.status;
        reason = outcome.reason;
      }
      return finish(status, outputs, reason);
    }
    const log = (line: string) => events.emit({ type: 'job.log', job: job.id, stream: 'stdout', line });
    if (job.changesNote !== undefined) log(`changes: ${job.changesNote}`);
    if (warmed) {
      await warmed.prepared;
      for (const { stream, line } of warmed.lines) events.emit({ type: 'job.log', job: job.id, stream, line });
    } else {
      const options = prepareOptionsFor(job, run.checkouts, {
        runId: deps.events.runId,
        workspace: deps.workspace,
        env,
      });
      await executor.prepare(job, options, {
        signal: controller.signal,
        onLine: (stream, line) => events.emit({ type: 'job.log', job: job.id, stream, line }),
      });
    }
    run.onPrepared(job.id);
    const needArtifacts = job.needs.flatMap((need) => {
      const archive = results.get(need)?.artifacts;
      return archive ? [{ job: need, archive }] : [];
    });
    await copyActions(job, deps, log);
    cacheState = await restoreJobInputs(job, needArtifacts, ctx, deps, log);
    for (const step of job.steps) {
      const stepStatus = status === 'success' ? 'success' : abort?.kind === 'cancel' ? 'cancelled' : 'failure';
      const verdict = shouldRunStep(step, { ...stepContext(ctx, state), status: stepStatus });
      if (!verdict.run) {
        recordSkippedStep(state, step);
        events.emit({ type: 'step.skipped', job: job.id, step: step.index, name: step.name, reason: verdict.reason });
        continue;
      }
      const outcome = await runStep({ ...scope, job }, step, state);
      if (outcome === 'ok') continue;
      status = outcome.kind === 'cancel' ? 'cancelled' : outcome.kind === 'timeout' ? 'timed-out' : 'failed';
      reason = outcome.message;
      if (abort) break;
    }
    Object.assign(outputs, state.outputs);
    const mapped = renderJobOutputs(job, stepContext(ctx, state));
    Object.assign(outputs, mapped.outputs);
    if (mapped.error !== undefined) {
      events.emit({ type: 'job.log', job: job.id, stream: 'stderr', line: mapped.error });
      if (status === 'success') {
        status = 'failed';
        reason = mapped.error;
      }
    }
    if (!abort || abort.kind === 'timeout')
      artifacts = await saveJobOutputs(job, status === 'success', cacheState, deps, log);
  } catch (error) {
    status = abort?.kind === 'cancel' ? 'cancelled' : abort?.kind === 'timeout' ? 'timed-out' : 'failed';
    reason = isFerryError(error) ? error.message : `internal error: ${(error as Error).message}`;
  } finally {
    stopTimer.abort();
    deps.signal?.removeEventListener('abort', onRunAbort);
    cancel?.removeEventListener('abort', onCancel);
  }
  if (abort?.kind === 'cancel' && abort.reason !== undefined) {
    status = 'cancelled';
    reason = abort.reason;
  }
  if (abort?.kind === 'timeout' && abort.scope === 'job') {
    status = 'timed-out';
    reason = `job timed out after ${formatMs(abort.ms)}`;
  }
  return finish(status, outputs, reason, artifacts);
}
