import type { StepResult } from '../exec/executor.js';
import type { ExprContext } from '../expr/index.js';
import type { PlannedStep } from '../plan/plan-types.js';

/** `steps.<id>.outcome` (before allowFailure) and `.conclusion` (after), as GitHub Actions reports them. */
export type StepConclusion = 'success' | 'failure' | 'cancelled' | 'skipped';

export interface StepRecord {
  outputs: Record<string, string>;
  outcome: StepConclusion;
  conclusion: StepConclusion;
}

/** What a job's steps leave for the steps after them and for the job; one per attempt. */
export interface StepsState {
  /** Everything written to $FERRY_OUTPUT, later values winning: the job's outputs (before its `outputs:` map). */
  outputs: Record<string, string>;
  /** $FERRY_ENV: environment of the later steps, over the job's, under the step's own `env`. */
  env: Record<string, string>;
  /** $FERRY_PATH: directories before PATH for later steps, the newest first. */
  path: string[];
  /** The `steps` context: steps with an id that ran or were skipped, by id. */
  steps: Record<string, StepRecord>;
}

export function createStepsState(): StepsState {
  return { outputs: {}, env: {}, path: [], steps: {} };
}

/** The expression context of a step: the job's, with `env` including $FERRY_ENV, and `steps`. */
export function stepContext(ctx: ExprContext, state: StepsState): ExprContext {
  return { ...ctx, env: { ...(ctx.env as Record<string, string>), ...state.env }, steps: state.steps };
}

/** Records what a step that ran wrote (also after it failed, as GitHub Actions does) and how it ended. */
export function recordStep(
  state: StepsState,
  step: PlannedStep,
  written: Pick<StepResult, 'outputs' | 'env' | 'path'>,
  outcome: StepConclusion,
  allowedFailure: boolean,
): void {
  state.outputs = { ...state.outputs, ...written.outputs };
  state.env = { ...state.env, ...written.env };
  // Each line is put before PATH in turn, so the last one written comes first; a directory is listed once.
  const added = [...written.path].reverse();
  state.path = [...new Set([...added, ...state.path])];
  if (step.id !== undefined)
    state.steps[step.id] = { outputs: written.outputs, outcome, conclusion: allowedFailure ? 'success' : outcome };
}

export function recordSkippedStep(state: StepsState, step: PlannedStep): void {
  if (step.id !== undefined) state.steps[step.id] = { outputs: {}, outcome: 'skipped', conclusion: 'skipped' };
}
