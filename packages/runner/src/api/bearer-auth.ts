import type { IncomingHttpHeaders } from 'node:http';
import { constantTimeEqual } from '../webhook/verify-signature.js';

/** Who may use the API: writes (trigger, cancel) always need the token; reads too with `protect: 'all'`. */
export interface ApiAuth {
  /** Unset: writes are refused (there is no way to authorise them). */
  token?: string;
  protect: 'writes' | 'all';
}

/** undefined when the request may go on, else the reason it may not (the answer is 401). */
export function checkBearer(auth: ApiAuth, headers: IncomingHttpHeaders, write: boolean): string | undefined {
  if (!write && auth.protect === 'writes') return undefined;
  if (auth.token === undefined)
    return 'this server has no API token: start ferry serve with --api-token, $FERRY_API_TOKEN or api.token in the config file';
  const header = headers.authorization;
  const match = typeof header === 'string' ? /^Bearer\s+(.+)$/i.exec(header.trim()) : null;
  if (!match) return 'expected an Authorization: Bearer <token> header';
  return constantTimeEqual(match[1] ?? '', auth.token) ? undefined : "the bearer token is not this server's API token";
}
