import type { OutputStream } from '../exec/executor.js';
import type { ExprContext } from '../expr/index.js';
import type { GitContext } from '../plan/plan-pipeline.js';
import type { JobRun } from '../plan/plan-types.js';
import type { RunEventBody } from './events.js';

export interface JobHandlerContext {
  runId: string;
  /** The directory a build context or deploy config is read from. */
  workspace: string;
  git: GitContext;
  /** Job env, rendered, with the secrets it declares. */
  env: Record<string, string>;
  /** The run-time expression context (env, matrix, git, jobs.<id>.outputs, secrets) for templates in the job. */
  expr: ExprContext;
  secrets: Record<string, string>;
  /** Aborts on job timeout or run cancellation. */
  signal: AbortSignal;
  /** Output lines; they become step.log events of the job's single step. */
  onLine(stream: OutputStream, line: string): void;
  /** Structured events of the job (deploy progress); the scheduler stamps and masks them like its own. */
  emit(body: RunEventBody): void;
}

export interface JobHandlerResult {
  /** A failure the user can act on (a failing Dockerfile instruction, a refused push); its message says why. */
  status: 'success' | 'failed';
  outputs: Record<string, string>;
  error?: string;
}

/**
 * Runs a job that is not a list of steps (`build`, `deploy`). The scheduler shows it as one step named by
 * `stepName`. Throwing an FerryError is an engine failure (the job fails with its message); a failing build
 * is a result.
 */
export interface JobHandler {
  stepName(job: JobRun): string;
  run(job: JobRun, ctx: JobHandlerContext): Promise<JobHandlerResult>;
}
