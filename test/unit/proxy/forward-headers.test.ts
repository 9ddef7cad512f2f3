import type { IncomingMessage } from 'node:http';
import { describe, expect, it, vi } from 'vitest';
import {
  clientResponseHeaders,
  readCookie,
  upstreamRequestHeaders,
} from '../../../packages/engine/src/proxy/forward-headers.js';

const request = (headers: Record<string, string>) =>
  ({ headers, socket: { remoteAddress: '127.0.0.1' } }) as unknown as IncomingMessage;

describe('forward headers', () => {
  it('drops hop-by-hop request fields and those named in Connection, and adds X-Forwarded-*', () => {
    const headers = upstreamRequestHeaders(
      request({
        host: 'shop.test',
        connection: 'keep-alive, x-secret-hop',
        'keep-alive': 'timeout=5',
        'x-secret-hop': '1',
        expect: '100-continue',
        accept: 'text/html',
        'x-forwarded-for': '10.0.0.1',
      }),
    );
    expect(headers).toEqual({
      host: 'shop.test',
      accept: 'text/html',
      'x-forwarded-for': '10.0.0.1, 127.0.0.1',
      'x-forwarded-proto': 'http',
      'x-forwarded-host': 'shop.test',
    });
  });

  it('believes X-Forwarded-Proto/-Host only from a peer in FERRY_PROXY_TRUSTED', async () => {
    vi.resetModules();
    vi.stubEnv('FERRY_PROXY_TRUSTED', '10.1.1.1, 127.0.0.1');
    try {
      const trusting = await import('../../../packages/engine/src/proxy/forward-headers.js');
      const spoof = { host: 'a.test', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'lb.test' };
      expect(trusting.upstreamRequestHeaders(request(spoof))).toMatchObject({
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'lb.test',
      });
      const untrusted = { headers: spoof, socket: { remoteAddress: '10.2.2.2' } } as unknown as IncomingMessage;
      expect(trusting.upstreamRequestHeaders(untrusted)).toMatchObject({
        'x-forwarded-proto': 'http',
        'x-forwarded-host': 'a.test',
      });
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('keeps a chunked request body chunked', () => {
    expect(upstreamRequestHeaders(request({ 'transfer-encoding': 'chunked' }))['transfer-encoding']).toBe('chunked');
  });

  it('keeps repeated response fields and casing, drops hop-by-hop ones, and sets the proxy fields once', () => {
    const raw = [
      'Set-Cookie',
      'a=1',
      'set-cookie',
      'b=2',
      'Connection',
      'close, X-Hop',
      'X-Hop',
      '1',
      'Transfer-Encoding',
      'chunked',
      'X-Ferry-Pool',
      'spoofed',
    ];
    expect(clientResponseHeaders(raw, { 'X-Ferry-Backend': 'web-1', 'X-Ferry-Pool': 'stable' })).toEqual([
      'Set-Cookie',
      'a=1',
      'set-cookie',
      'b=2',
      'X-Ferry-Backend',
      'web-1',
      'X-Ferry-Pool',
      'stable',
    ]);
  });

  it('reads one cookie out of a Cookie header', () => {
    expect(readCookie('a=1; ferry-canary="u 7"; b=2', 'ferry-canary')).toBe('u 7');
    expect(readCookie('a=1', 'ferry-canary')).toBeUndefined();
    expect(readCookie(undefined, 'x')).toBeUndefined();
  });
});
