import { describe, expect, it } from 'vitest';
import {
  ChunkedScanner,
  maxHeadBytes,
  parseRequestHead,
  parseResponseHead,
} from '../../../packages/engine/src/proxy/http1-head.js';

const bytes = (text: string) => Buffer.from(text, 'latin1');
const request = (text: string) => parseRequestHead(bytes(text));
const response = (text: string, method = 'GET') => parseResponseHead(bytes(text), method);

describe('parseRequestHead', () => {
  it('reads the request line, the fields in order and the framing', () => {
    const text =
      'POST /a?b=1 HTTP/1.1\r\nHost: shop.test\r\nContent-Length: 5\r\nCookie: a=1\r\nCookie: b=2\r\nConnection: Keep-Alive, X-Drop\r\n\r\nhello';
    const head = request(text);
    expect(head).toMatchObject({
      kind: 'head',
      method: 'POST',
      target: '/a?b=1',
      minor: 1,
      contentLength: 5,
      host: 'shop.test',
      hostCount: 1,
      cookie: 'a=1; b=2',
      upgrade: false,
      expect: false,
    });
    if (head.kind !== 'head') throw new Error('no head');
    expect(head.length).toBe(text.length - 'hello'.length);
    expect([...head.connection]).toEqual(['keep-alive', 'x-drop']);
    expect(head.fields[0]).toEqual(['Host', 'shop.test']);
  });

  it('waits for the blank line, and refuses a head past the size limit with 431', () => {
    expect(request('GET / HTTP/1.1\r\nHost: a\r\n')).toEqual({ kind: 'incomplete' });
    expect(request(`GET / HTTP/1.1\r\nX: ${'a'.repeat(maxHeadBytes)}`)).toMatchObject({ kind: 'error', status: 431 });
    expect(request(`GET / HTTP/1.1\r\nX: ${'a'.repeat(maxHeadBytes)}\r\n\r\n`)).toMatchObject({ status: 431 });
  });

  it('marks chunked bodies with -1, upgrades only with Connection: upgrade, and Expect', () => {
    expect(request('POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n')).toMatchObject({
      contentLength: -1,
    });
    expect(request('GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n')).toMatchObject({ upgrade: false });
    expect(request('GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n')).toMatchObject({
      upgrade: true,
    });
    expect(request('PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n')).toMatchObject({ expect: true });
    expect(request('GET / HTTP/1.0\r\n\r\n')).toMatchObject({ minor: 0, hostCount: 0 });
  });

  it.each([
    [
      'both Content-Length and Transfer-Encoding',
      'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n',
    ],
    [
      'conflicting Content-Length fields',
      'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n',
    ],
    ['conflicting Content-Length list', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 4\r\n\r\n'],
    ['signed Content-Length', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +3\r\n\r\n'],
    ['hex Content-Length', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x3\r\n\r\n'],
    ['huge Content-Length', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n'],
    ['Transfer-Encoding other than chunked', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n'],
    ['chunked not alone', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n'],
    ['chunked twice', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n'],
    ['obs-fold', 'GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n  folded\r\n\r\n'],
    ['space before the colon', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length : 3\r\n\r\n'],
    ['bare LF inside the head', 'GET / HTTP/1.1\nHost: a\r\n\r\n'],
    ['bare CR inside a value', 'GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n'],
    ['NUL in a value', 'GET / HTTP/1.1\r\nHost: a\u0000b\r\n\r\n'],
    ['empty field name', 'GET / HTTP/1.1\r\n: a\r\n\r\n'],
    ['lower-case version', 'GET / http/1.1\r\nHost: a\r\n\r\n'],
    ['HTTP/2 version', 'GET / HTTP/2.0\r\nHost: a\r\n\r\n'],
    ['two spaces in the request line', 'GET  / HTTP/1.1\r\nHost: a\r\n\r\n'],
    ['space in the target', 'GET /a b HTTP/1.1\r\nHost: a\r\n\r\n'],
  ])('refuses %s with 400', (_name, text) => {
    expect(request(text)).toMatchObject({ kind: 'error', status: 400 });
  });

  it('accepts equal repeated Content-Length values', () => {
    expect(request('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n')).toMatchObject({
      contentLength: 3,
    });
  });
});

describe('parseResponseHead', () => {
  it('frames the body by status, method, Content-Length, chunked or close', () => {
    expect(response('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n')).toMatchObject({
      status: 200,
      reason: 'OK',
      body: { kind: 'length', bytes: 4 },
      close: false,
    });
    expect(response('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n', 'HEAD')).toMatchObject({ body: { kind: 'none' } });
    expect(response('HTTP/1.1 204 No Content\r\n\r\n')).toMatchObject({ body: { kind: 'none' }, close: false });
    expect(response('HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n')).toMatchObject({
      body: { kind: 'none' },
    });
    expect(response('HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n')).toMatchObject({
      status: 103,
      body: { kind: 'none' },
    });
    expect(response('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n')).toMatchObject({
      body: { kind: 'chunked' },
    });
    expect(response('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n')).toMatchObject({
      body: { kind: 'until-close' },
      close: true,
    });
    expect(response('HTTP/1.1 200 OK\r\n\r\n')).toMatchObject({ body: { kind: 'until-close' }, close: true });
    expect(response('HTTP/1.1 200 OK\r\nContent-Length: 1\r\nConnection: close\r\n\r\n')).toMatchObject({
      close: true,
    });
    expect(response('HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n')).toMatchObject({ close: true });
    expect(response('HTTP/1.0 200 OK\r\nContent-Length: 1\r\nConnection: keep-alive\r\n\r\n')).toMatchObject({
      close: false,
    });
    expect(response('HTTP/1.1 500 \r\nContent-Length: 0\r\n\r\n')).toMatchObject({ status: 500, reason: '' });
    expect(response('HTTP/1.1 200 OK\r\nContent-Length: 0\r\nKeep-Alive: timeout=5, max=100\r\n\r\n')).toMatchObject({
      keepAliveMs: 5000,
    });
    expect(response('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')).toMatchObject({ keepAliveMs: undefined });
  });

  it.each([
    [
      'Content-Length with Transfer-Encoding',
      'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n',
    ],
    ['conflicting Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 2\r\n\r\n'],
    ['a malformed status line', 'HTTP/1.1 20 OK\r\n\r\n'],
    ['obs-fold', 'HTTP/1.1 200 OK\r\nX: a\r\n\tb\r\n\r\n'],
  ])('refuses %s with 502', (_name, text) => {
    expect(response(text)).toMatchObject({ kind: 'error', status: 502 });
  });
});

describe('ChunkedScanner', () => {
  const scanAll = (text: string, pieces = 1) => {
    const scanner = new ChunkedScanner();
    const data = bytes(text);
    const step = Math.ceil(data.length / pieces);
    let used = 0;
    for (let at = 0; at < data.length; at += step) {
      const result = scanner.scan(data, at, Math.min(data.length, at + step));
      if ('error' in result) return result;
      used += result.used;
      if (result.done) return { used, done: true };
    }
    return { used, done: false };
  };

  it('follows chunks, extensions and trailers, in one piece or byte by byte, and stops at the body end', () => {
    const body = '5;name=v\r\nhello\r\nA\r\n0123456789\r\n0\r\nX-Trailer: 1\r\n\r\n';
    expect(scanAll(body)).toEqual({ used: body.length, done: true });
    expect(scanAll(body, body.length)).toEqual({ used: body.length, done: true });
    expect(scanAll(`${body}GET / HTTP/1.1\r\n`)).toEqual({ used: body.length, done: true });
    expect(scanAll('0\r\n\r\n')).toEqual({ used: 5, done: true });
    expect(scanAll('5\r\nhel')).toEqual({ used: 6, done: false });
  });

  it.each([
    ['a negative size', '-5\r\nhello\r\n0\r\n\r\n'],
    ['a size with a prefix', '0x5\r\nhello\r\n0\r\n\r\n'],
    ['an empty size', '\r\nhello\r\n0\r\n\r\n'],
    ['a size with spaces', '5 \r\nhello\r\n0\r\n\r\n'],
    ['a size over 15 hex digits', '1000000000000000\r\n'],
    ['a bare LF after the size', '5\nhello\r\n0\r\n\r\n'],
    ['data longer than its size', '3\r\nhello\r\n0\r\n\r\n'],
    ['data not followed by CRLF', '5\r\nhelloX\r\n0\r\n\r\n'],
    ['a bare LF in a trailer', '0\r\nX: 1\n\r\n'],
  ])('refuses %s', (_name, text) => {
    expect(scanAll(text)).toHaveProperty('error');
  });
});
