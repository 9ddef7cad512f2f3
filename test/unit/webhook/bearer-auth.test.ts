import { describe, expect, it } from 'vitest';
import { apiToken, authorize, hashToken, type ApiAuth } from '../../../packages/runner/src/api/bearer-auth.js';

describe('authorize', () => {
  const auth: ApiAuth = {
    publicReads: false,
    tokens: [
      apiToken('reader', ['read'], { hash: hashToken('tok-read') }),
      apiToken('bot', ['read', 'trigger'], { token: 'tok-bot' }),
      apiToken('ops', ['admin'], { token: 'tok-ops' }),
    ],
  };
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  it('wants a token for reads unless reads are public', () => {
    expect(authorize(auth, {}, 'read')).toMatchObject({ ok: false, status: 401 });
    expect(authorize({ ...auth, publicReads: true }, {}, 'read')).toEqual({ ok: true });
    expect(authorize({ ...auth, publicReads: true }, {}, 'trigger')).toMatchObject({ ok: false, status: 401 });
    expect(authorize(auth, bearer('tok-read'), 'read')).toEqual({ ok: true, token: 'reader' });
  });

  it('answers 401 to an unknown token and 403 to a known one without the scope', () => {
    expect(authorize(auth, bearer('tok-rea'), 'read')).toMatchObject({ ok: false, status: 401 });
    expect(authorize(auth, { authorization: 'Basic dG9rLXJlYWQ=' }, 'read')).toMatchObject({ status: 401 });
    expect(authorize(auth, bearer('tok-read'), 'trigger')).toEqual({
      ok: false,
      status: 403,
      message: 'token "reader" lacks the "trigger" scope (it has read)',
    });
    expect(authorize(auth, bearer('tok-bot'), 'trigger')).toEqual({ ok: true, token: 'bot' });
    expect(authorize(auth, bearer('tok-bot'), 'cancel')).toMatchObject({ ok: false, status: 403 });
    expect(authorize(auth, { authorization: 'bearer   tok-bot' }, 'trigger')).toMatchObject({ ok: true });
  });

  it('lets admin do everything', () => {
    for (const scope of ['read', 'trigger', 'cancel', 'admin'] as const)
      expect(authorize(auth, bearer('tok-ops'), scope)).toEqual({ ok: true, token: 'ops' });
  });

  it('refuses every call when the server has no token', () => {
    expect(authorize({ tokens: [], publicReads: false }, bearer('anything'), 'cancel')).toMatchObject({
      status: 401,
      message: expect.stringContaining('has no API token') as string,
    });
  });

  it('hashes as sha256:<hex>', () => {
    expect(hashToken('abc')).toBe('sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
