/** Every engine error carries a stable code; docs/errors.md documents each one (a unit test checks it). */
export type EngineErrorCode =
  | 'SPEC_YAML'
  | 'SPEC_INVALID'
  | 'SPEC_NOT_FOUND'
  | 'EXPR_SYNTAX'
  | 'EXPR_EVAL'
  | 'PLAN_CYCLE'
  | 'PLAN_UNKNOWN_NEED'
  | 'PLAN_UNKNOWN_JOB'
  | 'PLAN_INVALID'
  | 'EXEC_IMAGE_MISSING'
  | 'EXEC_DOCKER_UNAVAILABLE'
  | 'EXEC_CONTAINER'
  | 'EXEC_WORKSPACE'
  | 'EXEC_SERVICE_UNHEALTHY'
  | 'IMAGE_CONTEXT'
  | 'IMAGE_BUILD_FAILED'
  | 'IMAGE_PUSH_FAILED'
  | 'RUN_SECRET_MISSING'
  | 'PROXY_UNAVAILABLE'
  | 'PROXY_REQUEST'
  | 'DEPLOY_LOCKED'
  | 'DEPLOY_UNHEALTHY'
  | 'DEPLOY_ROLLBACK_FAILED'
  | 'DEPLOY_INVALID'
  | 'DEPLOY_NOT_FOUND'
  | 'RUN_CANCELLED'
  | 'STORE_NOT_FOUND'
  | 'CLI_USAGE';

export interface SourceLocation {
  file: string;
  line: number;
  col: number;
}

export class EngineError extends Error {
  override readonly name = 'EngineError';
  constructor(
    readonly code: EngineErrorCode,
    message: string,
    readonly options: { location?: SourceLocation; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
  }
}

export function isEngineError(value: unknown): value is EngineError {
  return value instanceof EngineError;
}
