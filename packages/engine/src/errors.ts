/**
 * Every code Ferry reports, engine, runner, `ferry serve` and CLI alike. They are public API: docs/errors.md
 * documents each one, and a unit test checks both directions against this list.
 */
export const ferryErrorCodes = [
  // pipeline files and expressions
  'SPEC_YAML',
  'SPEC_INVALID',
  'SPEC_NOT_FOUND',
  'SPEC_SHELL_INJECTION',
  'SPEC_LIMIT',
  'IMPORT_CHANGED',
  'IMPORT_APPROXIMATED',
  'IMPORT_DROPPED',
  'SPEC_DUPLICATE_STEP_ID',
  'SPEC_UNKNOWN_STEP',
  'SPEC_INCLUDE',
  'SPEC_EXTENDS',
  'EXPR_SYNTAX',
  'EXPR_EVAL',
  // planning
  'PLAN_CYCLE',
  'PLAN_UNKNOWN_NEED',
  'PLAN_UNKNOWN_JOB',
  'PLAN_INVALID',
  // executing jobs and building images
  'EXEC_IMAGE_MISSING',
  'EXEC_DOCKER_UNAVAILABLE',
  'EXEC_CONTAINER',
  'EXEC_WORKSPACE',
  'EXEC_CHECKOUT',
  'EXEC_SERVICE_UNHEALTHY',
  'EXEC_SHELL_MISSING',
  'EXEC_NODE_MISSING',
  'EXEC_ACTIONS_DIR',
  'EXEC_WORKDIR_MISSING',
  'EXEC_DOCKER_NOT_ALLOWED',
  'IMAGE_CONTEXT',
  'IMAGE_BUILD_FAILED',
  'IMAGE_PUSH_FAILED',
  'RUN_SECRET_MISSING',
  // deploys and the service proxy
  'PROXY_UNAVAILABLE',
  'PROXY_REQUEST',
  'DEPLOY_LOCKED',
  'DEPLOY_UNHEALTHY',
  'DEPLOY_ROLLBACK_FAILED',
  'DEPLOY_INVALID',
  'DEPLOY_NOT_FOUND',
  'STORE_NOT_FOUND',
  'STORE_ARTIFACT_UNSAFE',
  // the queue and `ferry runner`
  'QUEUE_REQUEST_INVALID',
  'QUEUE_RUN_NOT_FOUND',
  'QUEUE_REDIS_UNAVAILABLE',
  'RUNNER_CLONE_FAILED',
  'RUNNER_COMMIT_MISSING',
  'RUNNER_DOCKER_UNAVAILABLE',
  'RUNNER_PIPELINE_INVALID',
  'RUNNER_WORKDIR_LOCKED',
  'RUNNER_CONFIG_INVALID',
  // `ferry serve`: webhooks and the HTTP API (each the `error` field of a JSON error answer)
  'WEBHOOK_UNAUTHORIZED',
  'WEBHOOK_BODY_TOO_LARGE',
  'WEBHOOK_MALFORMED',
  'WEBHOOK_PIPELINE_UNREADABLE',
  'WEBHOOK_QUEUE_UNAVAILABLE',
  'API_UNAUTHORIZED',
  'API_FORBIDDEN',
  'API_STREAMS_FULL',
  'API_RUN_NOT_FOUND',
  'API_REQUEST_INVALID',
  'API_TRIGGER_REFUSED',
  'SERVE_ROUTE_NOT_FOUND',
  'SERVE_INTERNAL',
  'SERVE_CONFIG_INVALID',
  // the command line
  'CLI_USAGE',
  'CLI_LISTEN_FAILED',
] as const;

export type FerryErrorCode = (typeof ferryErrorCodes)[number];

export interface SourceLocation {
  file: string;
  line: number;
  col: number;
}

export interface FerryErrorOptions {
  location?: SourceLocation;
  cause?: unknown;
  /**
   * Compiler-style lines (`ferry.yml:7:12 SPEC_INVALID jobs.build…`), each naming its own place and code, for an
   * error that stands for several problems; printed instead of `CODE: message` where an error meets a user.
   */
  diagnostics?: readonly string[];
}

/** The one error class of Ferry: a stable code, a message that names the thing and the fix, where, and why. */
export class FerryError extends Error {
  override readonly name = 'FerryError';
  readonly location: SourceLocation | undefined;
  readonly diagnostics: readonly string[] | undefined;
  constructor(
    readonly code: FerryErrorCode,
    message: string,
    readonly options: FerryErrorOptions = {},
  ) {
    super(message, { cause: options.cause });
    this.location = options.location;
    this.diagnostics = options.diagnostics;
  }
}

export function isFerryError(value: unknown): value is FerryError {
  return value instanceof FerryError;
}

// The engine's former names, kept so that code written against them keeps compiling; new code uses FerryError.
