/** An admin request the proxy refuses: becomes an HTTP status and a JSON error body (never leaves the process). */
export class AdminError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}
