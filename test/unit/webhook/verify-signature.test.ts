import { describe, expect, it } from 'vitest';
import {
  constantTimeEqual,
  hmacSha256Hex,
  verifySignature,
} from '../../../packages/runner/src/webhook/verify-signature.js';

describe('verifySignature', () => {
  // The test vector of GitHub's "Validating webhook deliveries".
  const secret = "It's a Secret to Everybody";
  const body = Buffer.from('Hello, World!');
  const expected = '757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

  it("computes GitHub's documented HMAC-SHA256 for its test vector", () => {
    expect(hmacSha256Hex(secret, body)).toBe(expected);
  });

  it('accepts X-Hub-Signature-256 as sha256=<hex> and nothing else', () => {
    expect(verifySignature('hmac-sha256-prefixed', body, `sha256=${expected}`, secret)).toBe(true);
    expect(verifySignature('hmac-sha256-prefixed', body, `sha256=${expected.toUpperCase()}`, secret)).toBe(true);
    expect(verifySignature('hmac-sha256-prefixed', body, expected, secret)).toBe(false);
    expect(verifySignature('hmac-sha256-prefixed', body, `sha1=${expected}`, secret)).toBe(false);
    expect(verifySignature('hmac-sha256-prefixed', Buffer.from('Hello, World?'), `sha256=${expected}`, secret)).toBe(
      false,
    );
    expect(verifySignature('hmac-sha256-prefixed', body, `sha256=${expected}`, 'another secret')).toBe(false);
    expect(verifySignature('hmac-sha256-prefixed', body, undefined, secret)).toBe(false);
  });

  it('accepts X-Gitea-Signature as the bare hex digest', () => {
    expect(verifySignature('hmac-sha256-hex', body, expected, secret)).toBe(true);
    expect(verifySignature('hmac-sha256-hex', body, `sha256=${expected}`, secret)).toBe(false);
    expect(verifySignature('hmac-sha256-hex', body, expected.slice(0, 63), secret)).toBe(false);
  });

  it('compares the GitLab token exactly, case included', () => {
    expect(verifySignature('token', body, 'glpat-Token', 'glpat-Token')).toBe(true);
    expect(verifySignature('token', body, 'glpat-token', 'glpat-Token')).toBe(false);
    expect(verifySignature('token', body, 'glpat-Token-and-more', 'glpat-Token')).toBe(false);
    expect(verifySignature('token', body, '', 'glpat-Token')).toBe(false);
  });

  it('never accepts anything for an empty secret', () => {
    expect(verifySignature('token', body, '', '')).toBe(false);
    expect(verifySignature('hmac-sha256-hex', body, hmacSha256Hex('', body), '')).toBe(false);
  });

  it('compares strings of different lengths without throwing', () => {
    expect(constantTimeEqual('a', 'a much longer string')).toBe(false);
    expect(constantTimeEqual('same', 'same')).toBe(true);
  });
});
