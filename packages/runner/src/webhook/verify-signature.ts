import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** How a forge proves it knows the secret. */
export type SignatureScheme =
  /** GitHub `X-Hub-Signature-256`, Ferry's `X-Ferry-Signature-256`: `sha256=` + hex HMAC-SHA256 of the raw body. */
  | 'hmac-sha256-prefixed'
  /** Gitea `X-Gitea-Signature` (Forgejo `X-Forgejo-Signature`): hex HMAC-SHA256 of the raw body, no prefix. */
  | 'hmac-sha256-hex'
  /** GitLab `X-Gitlab-Token`: the secret token itself. */
  | 'token';

/** Hex HMAC-SHA256 of `body` keyed by `secret`, as GitHub and Gitea compute it. */
export function hmacSha256Hex(secret: string, body: Buffer | string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/**
 * Whether `given` (the header's value) proves `secret` for `body`. Every comparison takes the same time
 * whatever the value: both sides are hashed to 32 bytes first and compared with timingSafeEqual, so neither a
 * prefix nor the length of the expected value leaks.
 */
export function verifySignature(
  scheme: SignatureScheme,
  body: Buffer,
  given: string | undefined,
  secret: string,
): boolean {
  if (given === undefined || secret === '') return false;
  const value = given.trim();
  let expected: string;
  switch (scheme) {
    case 'hmac-sha256-prefixed':
      expected = `sha256=${hmacSha256Hex(secret, body)}`;
      break;
    case 'hmac-sha256-hex':
      expected = hmacSha256Hex(secret, body);
      break;
    case 'token':
      expected = secret;
      break;
  }
  return constantTimeEqual(scheme === 'token' ? value : value.toLowerCase(), expected);
}

/** Equal strings, compared in time independent of where (or whether) they differ and of their lengths. */
export function constantTimeEqual(a: string, b: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(a), digest(b));
}
