import { FerryError } from '../errors.js';

/** An admin request the proxy refuses (PROXY_REQUEST): becomes an HTTP status and a JSON error body. */
export class AdminError extends FerryError {
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
  ) {
    super('PROXY_REQUEST', message);
  }
}
