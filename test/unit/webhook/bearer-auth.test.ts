import { describe, expect, it } from 'vitest';
import { checkBearer } from '../../../packages/runner/src/api/bearer-auth.js';

describe('checkBearer', () => {
  const auth = { token: 'tok-123', protect: 'writes' as const };

  it('lets reads through unless every call is protected', () => {
    expect(checkBearer(auth, {}, false)).toBeUndefined();
    expect(checkBearer({ ...auth, protect: 'all' }, {}, false)).toBe(
      'expected an Authorization: Bearer <token> header',
    );
    expect(checkBearer({ ...auth, protect: 'all' }, { authorization: 'Bearer tok-123' }, false)).toBeUndefined();
  });

  it('wants the exact token for writes', () => {
    expect(checkBearer(auth, { authorization: 'Bearer tok-123' }, true)).toBeUndefined();
    expect(checkBearer(auth, { authorization: 'bearer   tok-123' }, true)).toBeUndefined();
    expect(checkBearer(auth, { authorization: 'Bearer tok-1234' }, true)).toContain('not this server');
    expect(checkBearer(auth, { authorization: 'Basic dG9rLTEyMw==' }, true)).toContain('expected an Authorization');
    expect(checkBearer(auth, {}, true)).toContain('expected an Authorization');
  });

  it('refuses every write when the server has no token', () => {
    expect(checkBearer({ protect: 'writes' }, { authorization: 'Bearer anything' }, true)).toContain(
      'has no API token',
    );
  });
});
