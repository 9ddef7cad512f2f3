import type { FerryErrorCode } from '@ferry/engine';

export const exitCodes = { ok: 0, failed: 1, invalid: 2 } as const;

type ExitCode = (typeof exitCodes)[keyof typeof exitCodes];

/**
 * The exit code for each error code: 2 for what the user can fix in the command or its files (usage, a pipeline
 * that does not validate, a name that does not exist), 1 for what went wrong while doing the work. A new code
 * does not compile until it has a row here.
 */
const exitCodeByErrorCode: Record<FerryErrorCode, ExitCode> = {
  SPEC_YAML: 2,
  SPEC_INVALID: 2,
  SPEC_NOT_FOUND: 2,
  SPEC_SHELL_INJECTION: 2,
  SPEC_LIMIT: 2,
  IMPORT_CHANGED: 2,
  IMPORT_APPROXIMATED: 2,
  IMPORT_DROPPED: 2,
  EXPR_SYNTAX: 2,
  EXPR_EVAL: 2,
  PLAN_CYCLE: 2,
  PLAN_UNKNOWN_NEED: 2,
  PLAN_UNKNOWN_JOB: 2,
  PLAN_INVALID: 2,
  EXEC_IMAGE_MISSING: 1,
  EXEC_DOCKER_UNAVAILABLE: 1,
  EXEC_CONTAINER: 1,
  EXEC_WORKSPACE: 1,
  EXEC_SERVICE_UNHEALTHY: 1,
  IMAGE_CONTEXT: 1,
  IMAGE_BUILD_FAILED: 1,
  IMAGE_PUSH_FAILED: 1,
  RUN_SECRET_MISSING: 2,
  PROXY_UNAVAILABLE: 1,
  PROXY_REQUEST: 1,
  DEPLOY_LOCKED: 1,
  DEPLOY_UNHEALTHY: 1,
  DEPLOY_ROLLBACK_FAILED: 1,
  DEPLOY_INVALID: 2,
  DEPLOY_NOT_FOUND: 2,
  STORE_NOT_FOUND: 2,
  STORE_ARTIFACT_UNSAFE: 1,
  QUEUE_REQUEST_INVALID: 2,
  QUEUE_RUN_NOT_FOUND: 2,
  QUEUE_REDIS_UNAVAILABLE: 1,
  RUNNER_CLONE_FAILED: 1,
  RUNNER_COMMIT_MISSING: 1,
  RUNNER_DOCKER_UNAVAILABLE: 1,
  RUNNER_PIPELINE_INVALID: 2,
  RUNNER_WORKDIR_LOCKED: 1,
  RUNNER_CONFIG_INVALID: 2,
  WEBHOOK_UNAUTHORIZED: 1,
  WEBHOOK_BODY_TOO_LARGE: 1,
  WEBHOOK_MALFORMED: 1,
  WEBHOOK_PIPELINE_UNREADABLE: 1,
  WEBHOOK_QUEUE_UNAVAILABLE: 1,
  API_UNAUTHORIZED: 1,
  API_FORBIDDEN: 1,
  API_STREAMS_FULL: 1,
  API_RUN_NOT_FOUND: 2,
  API_REQUEST_INVALID: 2,
  API_TRIGGER_REFUSED: 1,
  SERVE_ROUTE_NOT_FOUND: 1,
  SERVE_INTERNAL: 1,
  SERVE_CONFIG_INVALID: 2,
  CLI_USAGE: 2,
  CLI_LISTEN_FAILED: 1,
};

export function exitCodeOf(code: FerryErrorCode): ExitCode {
  return exitCodeByErrorCode[code];
}
