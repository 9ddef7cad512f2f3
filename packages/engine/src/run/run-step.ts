import { FerryError, isFerryError } from '../errors.js';
import type { ExecStep, OutputStream, StepResult } from '../exec/executor.js';
import { formatBytes } from '../exec/format-bytes.js';
import { callsStatusFunction, evaluateCondition } from '../expr/index.js';
import type { ExprContext } from '../expr/index.js';
import type { PlannedStep } from '../plan/plan-types.js';
import { resolveWorkdir } from '../plan/resolve-workdir.js';
import type { JobStatus } from './events.js';
import type { JobHandler } from './job-handler.js';
import { formatMs, renderRecord } from './job-context.js';
import { renderRuntime } from './render-runtime.js';
import { readWorkflowCommands } from './read-workflow-commands.js';
import type { JobScope } from './run-types.js';
import { recordStep, stepContext, type StepsState } from './steps-state.js';

const conclusionOf = { success: 'success', failed: 'failure', 'timed-out': 'failure', cancelled: 'cancelled' } as const;

type StepOutcome = 'ok' | { kind: 'failed' | 'timeout' | 'cancel'; scope?: 'job' | 'step'; message: string };

/**
 * Runs one step of a job: renders it, runs it with its own timeout, records what it wrote (outputs, env, path) and
 * how it ended in `state`, reports it.
 */
export async function runStep(scope: JobScope, step: PlannedStep, state: StepsState): Promise<StepOutcome> {
  const { job, ctx, env: jobEnv, signal: jobSignal, deps, clock, abort: jobAbort } = scope;
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
  const emitLine = (stream: OutputStream, line: string) =>
    events.emit({ type: 'step.log', job: job.id, step: step.index, stream, line });
  const commands =
    step.workflowCommands === true
      ? readWorkflowCommands({ line: emitLine, mask: (value) => events.addMask(value) })
      : undefined;
  const onLine = commands?.onLine ?? emitLine;
  try {
    const stepCtx = stepContext(ctx, state);
    const execStep: ExecStep = {
      index: step.index,
      name: step.name,
      run: renderRuntime(step.run, stepCtx),
      env: { ...jobEnv, ...state.env, ...renderRecord(step.env, stepCtx) },
      shell: step.shell,
      ...(step.workdir !== undefined
        ? { workdir: resolveWorkdir(job.workdir, renderRuntime(step.workdir, stepCtx)) }
        : {}),
      ...(state.path.length > 0 ? { path: state.path } : {}),
    };
    result = await deps.executor.runStep(job, execStep, { signal: stepController.signal, onLine });
    if (commands && Object.keys(commands.outputs).length > 0)
      result = { ...result, outputs: { ...commands.outputs, ...result.outputs } };
  } catch (caught) {
    const error = nodeMissing(caught, step, job.image);
    const message = isFerryError(error) ? error.message : `internal error: ${(error as Error).message}`;
    events.emit({ type: 'step.log', job: job.id, step: step.index, stream: 'stderr', line: message });
    events.emit({
      type: 'step.finished',
      job: job.id,
      step: step.index,
      name: step.name,
      exitCode: -1,
      status: 'failed',
      allowedFailure: step.allowFailure,
      durationMs: clock.now() - started,
    });
    recordStep(state, step, { outputs: {}, env: {}, path: [] }, 'failure', step.allowFailure);
    return step.allowFailure ? 'ok' : { kind: 'failed', message: `step "${step.name}": ${message}` };
  } finally {
    stopTimer.abort();
    jobSignal.removeEventListener('abort', onJobAbort);
  }
  const abort = jobAbort();
  const durationMs = clock.now() - started;
  let outcome: StepOutcome = 'ok';
  let status: 'success' | 'failed' | 'timed-out' | 'cancelled' = 'success';
  if (result.aborted && timedOut) {
    status = 'timed-out';
    outcome = {
      kind: 'timeout',
      scope: 'step',
      message: `step "${step.name}" timed out after ${formatMs(step.timeoutMs ?? 0)}`,
    };
  } else if (result.aborted && abort?.kind === 'timeout') {
    status = 'timed-out';
    outcome = { kind: 'timeout', scope: 'job', message: `job timed out after ${formatMs(abort.ms)}` };
  } else if (result.aborted) {
    status = 'cancelled';
    outcome = { kind: 'cancel', message: 'run cancelled' };
  } else if (result.oomKilled) {
    status = 'failed';
    const limit = job.resources.memoryBytes !== undefined ? ` of ${formatBytes(job.resources.memoryBytes)}` : '';
    outcome = {
      kind: 'failed',
      message: `step "${step.name}" was killed for running out of memory (the job's memory limit${limit}; raise resources.memory)`,
    };
    events.emit({
      type: 'step.log',
      job: job.id,
      step: step.index,
      stream: 'stderr',
      line: `killed: out of memory${limit}`,
    });
  } else if (result.exitCode !== 0) {
    status = 'failed';
    outcome = { kind: 'failed', message: `step "${step.name}" exited with code ${result.exitCode}` };
  }
  const allowed = status === 'failed' && step.allowFailure;
  recordStep(state, step, result, conclusionOf[status], allowed);
  events.emit({
    type: 'step.finished',
    job: job.id,
    step: step.index,
    name: step.name,
    exitCode: result.exitCode,
    status,
    allowedFailure: allowed,
    durationMs,
  });
  return allowed ? 'ok' : outcome;
}

/** Runs a `build` or `deploy` job through its handler, reported as the job's one step. */
export async function runHandler(
  scope: JobScope,
  handler: JobHandler,
): Promise<{ status: JobStatus; outputs: Record<string, string>; reason?: string }> {
  const { job, ctx, env, signal, deps, clock, abort: jobAbort } = scope;
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
    reason = isFerryError(error) ? error.message : `internal error: ${(error as Error).message}`;
    status = 'failed';
  }
  const abort = jobAbort();
  if (abort?.kind === 'cancel') status = 'cancelled';
  if (abort?.kind === 'timeout') status = 'timed-out';
  if (status !== 'success' && reason)
    events.emit({ type: 'step.log', job: job.id, step: 0, stream: 'stderr', line: reason });
  const stepStatus =
    status === 'success'
      ? 'success'
      : status === 'cancelled'
        ? 'cancelled'
        : status === 'timed-out'
          ? 'timed-out'
          : 'failed';
  events.emit({
    type: 'step.finished',
    job: job.id,
    step: 0,
    name,
    exitCode: status === 'success' ? 0 : 1,
    status: stepStatus,
    allowedFailure: false,
    durationMs: clock.now() - started,
  });
  return { status, outputs, ...(reason !== undefined ? { reason } : {}) };
}

/**
 * A JavaScript action's step (run by `node`, with workflow commands) whose image has no node: EXEC_NODE_MISSING,
 * naming the action (the step's name) and the image, instead of the shell error.
 */
function nodeMissing(error: unknown, step: PlannedStep, image: string): unknown {
  if (!isFerryError(error) || error.code !== 'EXEC_SHELL_MISSING' || step.workflowCommands !== true) return error;
  if (!/^node\s/.test(step.shell)) return error;
  return new FerryError(
    'EXEC_NODE_MISSING',
    `the JavaScript action "${step.name}" needs node, which image ${image} does not have (run the job in an image with node: container:, a setup-node step, or --image)`,
  );
}

export function shouldRunStep(
  step: PlannedStep,
  ctx: ExprContext & { status: string },
): { run: true } | { run: false; reason: string } {
  const condition = step.if;
  const asksForStatus = condition !== undefined && callsStatusFunction(condition);
  if (!asksForStatus && ctx.status !== 'success')
    return { run: false, reason: ctx.status === 'cancelled' ? 'run cancelled' : 'an earlier step failed' };
  if (condition === undefined) return { run: true };
  try {
    return evaluateCondition(condition, ctx) ? { run: true } : { run: false, reason: `if "${condition}" was false` };
  } catch (error) {
    return { run: false, reason: `if "${condition}" could not be evaluated: ${(error as Error).message}` };
  }
}
