/**
 * Stable codes of what `ferry serve` answers and reports; docs/webhooks.md documents each one (a unit test
 * checks it). They are public API: each is the `error` field of a JSON error response.
 */
export type WebhookErrorCode =
  /** 401: no secret for the repository, or the signature/token does not prove it. */
  | 'WEBHOOK_UNAUTHORIZED'
  /** 413: the body is over the limit. */
  | 'WEBHOOK_BODY_TOO_LARGE'
  /** 400: not JSON, or a payload without the fields its event has. */
  | 'WEBHOOK_MALFORMED'
  /** 503: the repository or the commit could not be read; nothing queued, redeliver later. */
  | 'WEBHOOK_PIPELINE_UNREADABLE'
  /** 503: Redis did not answer; nothing queued, redeliver later. */
  | 'WEBHOOK_QUEUE_UNAVAILABLE'
  /** 401: an API call without the bearer token it needs. */
  | 'API_UNAUTHORIZED'
  /** 404: no such run. */
  | 'API_RUN_NOT_FOUND'
  /** 400: a bad request body or query. */
  | 'API_REQUEST_INVALID'
  /** 409: a manual run of a pipeline whose on: has no manual trigger. */
  | 'API_TRIGGER_REFUSED'
  /** 404: no such route. */
  | 'SERVE_ROUTE_NOT_FOUND'
  /** 500: a bug in ferry serve (the log has the details); nothing was queued. */
  | 'SERVE_INTERNAL'
  /** Exit 2: the config file or an option of `ferry serve` is wrong. */
  | 'SERVE_CONFIG_INVALID';

export class WebhookError extends Error {
  override readonly name = 'WebhookError';
  constructor(
    readonly code: WebhookErrorCode,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
  }
}

export function isWebhookError(value: unknown): value is WebhookError {
  return value instanceof WebhookError;
}
