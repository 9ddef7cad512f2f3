import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** What a token may do: read runs and events, trigger runs, cancel them; admin may do everything. */
export const apiScopes = ['read', 'trigger', 'cancel', 'admin'] as const;
export type ApiScope = (typeof apiScopes)[number];

export interface ApiToken {
  /** Shown in logs instead of the token ("ci-bot"). */
  name: string;
  /** SHA-256 of the token (what `ferry serve hash-token` prints after `sha256:`). */
  digest: Buffer;
  scopes: ReadonlySet<ApiScope>;
}

/** Who may use the API: each call needs a token with its scope, except reads when `publicReads` is set. */
export interface ApiAuth {
  tokens: readonly ApiToken[];
  /** Reads (runs, events) need no token: set explicitly in the config or with --public-reads. */
  publicReads: boolean;
}

export type ApiDecision = { ok: true; token?: string } | { ok: false; status: 401 | 403; message: string };

/** The web page's login cookie, and the header its writes carry. */
export const tokenCookie = 'ferry_token';
export const webHeader = 'x-ferry-web';

/** The token in a Cookie header, if it has one. */
export function tokenCookieOf(header: string | undefined): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === tokenCookie && value.length > 0) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

export const tokenHashPattern = /^sha256:[0-9a-f]{64}$/;
/** What logs call a token: `ci-bot`. */
export const tokenNamePattern = /^[A-Za-z0-9._-]{1,64}$/;

/** `sha256:<hex>` of a token, as the config file stores it. Tokens are random (see generateToken): no salt needed. */
export function hashToken(token: string): string {
  return `sha256:${createHash('sha256').update(token, 'utf8').digest('hex')}`;
}

/** A new random token: 32 bytes, base64url, with a prefix that secret scanners can match. */
export function generateToken(): string {
  return `ferry_${randomBytes(32).toString('base64url')}`;
}

/** An ApiToken from the config's `sha256:<hex>` or from the token itself (a flag, an environment variable). */
export function apiToken(
  name: string,
  scopes: Iterable<ApiScope>,
  from: { hash: string } | { token: string },
): ApiToken {
  const hash = 'hash' in from ? from.hash : hashToken(from.token);
  return { name, digest: Buffer.from(hash.slice('sha256:'.length), 'hex'), scopes: new Set(scopes) };
}

/**
 * Whether a request may make a call that needs `scope`: 401 without a token or with an unknown one, 403 with a
 * token that lacks the scope. Every configured token is compared (in constant time, digest against digest), so
 * the answer's timing says nothing about which token came close.
 */
export function authorize(auth: ApiAuth, headers: IncomingHttpHeaders, scope: ApiScope): ApiDecision {
  if (scope === 'read' && auth.publicReads) return { ok: true };
  if (auth.tokens.length === 0)
    return {
      ok: false,
      status: 401,
      message:
        'this server has no API token: configure api.tokens in the config file (ferry serve hash-token), or --api-token / $FERRY_API_TOKEN',
    };
  const header = headers.authorization;
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header.trim()) : null;
  // The web page's login keeps the token in an HttpOnly, SameSite=Strict cookie. A write with it must also
  // carry the page's own header, which another site cannot make a browser send (no CSRF).
  const cookie = match ? undefined : tokenCookieOf(headers.cookie);
  if (cookie !== undefined && scope !== 'read' && headers[webHeader] !== '1')
    return { ok: false, status: 403, message: `a write with the login cookie needs the ${webHeader}: 1 header` };
  const presented = match?.[1] ?? cookie;
  if (presented === undefined)
    return { ok: false, status: 401, message: 'expected an Authorization: Bearer <token> header' };
  const digest = createHash('sha256').update(presented, 'utf8').digest();
  let found: ApiToken | undefined;
  for (const token of auth.tokens) if (timingSafeEqual(digest, token.digest) && !found) found = token;
  if (!found) return { ok: false, status: 401, message: 'the bearer token is not one of this server’s API tokens' };
  if (found.scopes.has(scope) || found.scopes.has('admin')) return { ok: true, token: found.name };
  return {
    ok: false,
    status: 403,
    message: `token "${found.name}" lacks the "${scope}" scope (it has ${[...found.scopes].join(', ') || 'none'})`,
  };
}
