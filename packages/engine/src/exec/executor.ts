import type { JobRun } from '../plan/plan-types.js';

export type OutputStream = 'stdout' | 'stderr';

export interface ExecIO {
  /** Called once per complete line (without the newline); a final partial line is flushed at step end. */
  onLine(stream: OutputStream, line: string): void;
  /** Aborts the step or the preparation (timeout or cancellation). */
  signal: AbortSignal;
}

/** A step ready to execute: expressions rendered, env merged (pipeline < job < step), secrets included. */
export interface ExecStep {
  index: number;
  name: string;
  run: string;
  env: Record<string, string>;
}

export interface StepResult {
  exitCode: number;
  /** true when io.signal aborted the step; exitCode is then 137 or whatever the kill produced. */
  aborted: boolean;
  /** Job outputs the step wrote to $FERRY_OUTPUT as name=value lines. */
  outputs: Record<string, string>;
  durationMs: number;
}

export interface PrepareOptions {
  runId: string;
  /** Directory whose files are copied into the job's workdir (tracked and untracked-not-ignored files when a git repo). */
  workspace: string;
  /** Environment for the job's container (pipeline < job), already rendered. */
  env: Record<string, string>;
}

/**
 * Lifecycle: prepare → runStep* → teardown. teardown is idempotent and runs even if prepare failed.
 * A failing step is a result; an engine failure (Docker unreachable, image missing) throws EngineError.
 */
export interface Executor {
  prepare(job: JobRun, options: PrepareOptions, io: ExecIO): Promise<void>;
  /** Resolves when the step exits. A non-zero exit is a result, not a throw. On abort no process of the step is left running. */
  runStep(job: JobRun, step: ExecStep, io: ExecIO): Promise<StepResult>;
  teardown(job: JobRun): Promise<void>;
}
