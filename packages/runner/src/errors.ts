/** Stable codes for what the queue and the runner report; docs/runner.md documents each one (a unit test checks it). */
export type RunnerErrorCode =
  | 'QUEUE_REQUEST_INVALID'
  | 'QUEUE_RUN_NOT_FOUND'
  | 'QUEUE_REDIS_UNAVAILABLE'
  | 'RUNNER_CLONE_FAILED'
  | 'RUNNER_COMMIT_MISSING'
  | 'RUNNER_DOCKER_UNAVAILABLE'
  | 'RUNNER_PIPELINE_INVALID'
  | 'RUNNER_WORKDIR_LOCKED'
  | 'RUNNER_CONFIG_INVALID';

/** Infrastructure failures: the run did not get a fair chance, so it is retried with backoff. */
const retriable: ReadonlySet<RunnerErrorCode> = new Set([
  'RUNNER_CLONE_FAILED',
  'RUNNER_COMMIT_MISSING',
  'RUNNER_DOCKER_UNAVAILABLE',
]);

export class RunnerError extends Error {
  override readonly name = 'RunnerError';
  constructor(
    readonly code: RunnerErrorCode,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
  }

  /** Whether a run that failed with this error is retried (an infrastructure failure) rather than finished. */
  get retriable(): boolean {
    return retriable.has(this.code);
  }
}

export function isRunnerError(value: unknown): value is RunnerError {
  return value instanceof RunnerError;
}
