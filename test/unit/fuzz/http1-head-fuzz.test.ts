import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChunkedScanner, parseRequestHead } from '../../../packages/engine/src/proxy/http1-head.js';

// The lean forwarder's parser over generated and mutated requests: it never throws, and whatever it accepts
// has exactly one reading of its framing (no request smuggling: CL with TE, two lengths, folded or broken lines).

const token = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,11}$/);
const value = fc.stringMatching(/^[!-~]([ !-~]{0,20}[!-~])?$/);
const framingName = fc.constantFrom(
  'Content-Length',
  'content-length',
  'CONTENT-LENGTH',
  'Transfer-Encoding',
  'transfer-encoding',
  'Transfer-encoding',
);
const framingValue = fc.constantFrom(
  '0',
  '5',
  '05',
  ' 5',
  '5 ',
  '5, 5',
  '5,6',
  '-1',
  '+5',
  'chunked',
  'Chunked',
  'chunked, gzip',
  'gzip',
);
const separator = fc.constantFrom(': ', ':', ':\t', ' : ', ':  ');
const field = fc.oneof(fc.tuple(token, fc.constant(': '), value), fc.tuple(framingName, separator, framingValue));

function requestText(method: string, fields: Array<[string, string, string]>): string {
  return `${method} / HTTP/1.1\r\nHost: a.test\r\n${fields.map(([n, s, v]) => `${n}${s}${v}\r\n`).join('')}\r\n`;
}

describe('parseRequestHead (fuzz)', () => {
  it('accepts a request only with one unambiguous framing', () => {
    fc.assert(
      fc.property(fc.constantFrom('GET', 'POST', 'PUT'), fc.array(field, { maxLength: 5 }), (method, fields) => {
        const text = requestText(method, fields);
        const parsed = parseRequestHead(Buffer.from(text, 'latin1'));
        expect(parsed.kind).not.toBe('incomplete');
        if (parsed.kind !== 'head') return;
        const names = fields.map(([name]) => name.toLowerCase());
        const lengths = fields.filter(([name]) => name.toLowerCase() === 'content-length');
        const encodings = fields.filter(([name]) => name.toLowerCase() === 'transfer-encoding');
        expect(fields.every(([, sep]) => !sep.startsWith(' '))).toBe(true);
        expect(lengths.length > 0 && encodings.length > 0).toBe(false);
        if (encodings.length > 0) {
          expect(encodings).toHaveLength(1);
          expect(encodings[0]?.[2].toLowerCase()).toBe('chunked');
          expect(parsed.contentLength).toBe(-1);
        } else if (lengths.length > 0) {
          const values = new Set(lengths.flatMap(([, , v]) => v.split(',').map((part) => Number(part.trim()))));
          expect([...values]).toEqual([parsed.contentLength]);
          expect(Number.isSafeInteger(parsed.contentLength) && parsed.contentLength >= 0).toBe(true);
        } else {
          expect(names).not.toContain('content-length');
          expect(parsed.contentLength).toBe(0);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on mutated requests, and what it accepts has clean fields and a head ending in CRLFCRLF', () => {
    const base = Buffer.from(
      'POST /x HTTP/1.1\r\nHost: a.test\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhelloGET / HTTP/1.1\r\nHost: b\r\n\r\n',
      'latin1',
    );
    const special = fc.constantFrom(0x00, 0x09, 0x0a, 0x0d, 0x20, 0x3a, 0x2c, 0x7f, 0x80, 0xff, 0x30, 0x41);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(base.length - 1), fc.oneof(special, fc.integer({ min: 0, max: 255 }))), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.nat(base.length),
        (edits, cut) => {
          const data = Buffer.from(base);
          for (const [at, byte] of edits) data[at] = byte;
          const input = data.subarray(0, cut);
          const parsed = parseRequestHead(input);
          if (parsed.kind !== 'head') return;
          expect(input.toString('latin1', parsed.length - 4, parsed.length)).toBe('\r\n\r\n');
          for (const [name, text] of parsed.fields) {
            expect(name).toMatch(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/);
            // eslint-disable-next-line no-control-regex
            expect(text).not.toMatch(/[\x00-\x08\x0a-\x1f\x7f]/);
          }
          expect(parsed.contentLength).toBeGreaterThanOrEqual(-1);
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('ChunkedScanner (fuzz)', () => {
  const encode = (pieces: string[], trailer: string) =>
    `${pieces.map((piece) => `${Buffer.byteLength(piece, 'latin1').toString(16)}\r\n${piece}\r\n`).join('')}0\r\n${trailer}\r\n`;

  it('ends exactly at the end of any chunked body, however the bytes are split', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ minLength: 1, maxLength: 40 }), { maxLength: 6 }),
        fc.constantFrom('', 'X-T: 1\r\n'),
        fc.array(fc.nat(200), { maxLength: 5 }),
        (pieces, trailer, cuts) => {
          const body = Buffer.from(`${encode(pieces, trailer)}NEXT`, 'latin1');
          const end = body.length - 4;
          const bounds = [...new Set([0, ...cuts.map((cut) => cut % body.length), body.length])].sort((a, b) => a - b);
          const scanner = new ChunkedScanner();
          let used = 0;
          for (let i = 0; i + 1 < bounds.length && !scanner.done; i++) {
            const result = scanner.scan(body, bounds[i], bounds[i + 1]);
            if ('error' in result) throw new Error(result.error);
            used += result.used;
          }
          expect(scanner.done).toBe(true);
          expect(used).toBe(end);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('never throws on a mutated body and never reads past what it was given', () => {
    const base = Buffer.from(encode(['hello', 'x'.repeat(20)], 'X-T: 1\r\n'), 'latin1');
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }),
        (edits) => {
          const data = Buffer.from(base);
          for (const [at, byte] of edits) data[at] = byte;
          const result = new ChunkedScanner().scan(data);
          if (!('error' in result)) expect(result.used).toBeLessThanOrEqual(data.length);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
