import type { FerryErrorCode } from '@ferry/engine';

/** The HTTP status `ferry serve` answers with each code it can answer; docs/errors.md lists the same. */
export const httpStatus = {
  WEBHOOK_UNAUTHORIZED: 401,
  WEBHOOK_BODY_TOO_LARGE: 413,
  WEBHOOK_MALFORMED: 400,
  WEBHOOK_PIPELINE_UNREADABLE: 503,
  WEBHOOK_QUEUE_UNAVAILABLE: 503,
  API_UNAUTHORIZED: 401,
  API_FORBIDDEN: 403,
  API_RUN_NOT_FOUND: 404,
  API_REQUEST_INVALID: 400,
  API_TRIGGER_REFUSED: 409,
  API_STREAMS_FULL: 503,
  DEPLOY_NOT_FOUND: 404,
  DEPLOY_INVALID: 409,
  DEPLOY_LOCKED: 409,
  SERVE_ROUTE_NOT_FOUND: 404,
  SERVE_INTERNAL: 500,
} as const satisfies Partial<Record<FerryErrorCode, number>>;

/** A code that is the `error` field of a JSON error answer. */
export type HttpErrorCode = keyof typeof httpStatus;

export function isHttpErrorCode(code: FerryErrorCode): code is HttpErrorCode {
  return Object.hasOwn(httpStatus, code);
}
