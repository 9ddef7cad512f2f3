import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../../packages/engine/src/exec/line-splitter.js';

function split(chunks: Array<string | Buffer>, options?: { maxLineLength?: number }): string[] {
  const lines: string[] = [];
  const splitter = new LineSplitter((line) => lines.push(line), options);
  for (const chunk of chunks) splitter.write(chunk);
  splitter.end();
  return lines;
}

describe('LineSplitter', () => {
  it('emits one line per newline', () => {
    expect(split(['a\nb\nc\n'])).toEqual(['a', 'b', 'c']);
  });

  it('joins a line split across chunks', () => {
    expect(split(['hel', 'lo wo', 'rld\nnext', '\n'])).toEqual(['hello world', 'next']);
  });

  it('keeps empty lines', () => {
    expect(split(['a\n\n\nb\n'])).toEqual(['a', '', '', 'b']);
  });

  it('flushes the final partial line at end', () => {
    expect(split(['a\nno newline'])).toEqual(['a', 'no newline']);
    expect(split(['a\n'])).toEqual(['a']);
    expect(split([])).toEqual([]);
  });

  it('strips a trailing carriage return, also when \\r and \\n arrive in different chunks', () => {
    expect(split(['dos\r\nline\r', '\nlast\r'])).toEqual(['dos', 'line', 'last']);
  });

  it('keeps a carriage return inside a line', () => {
    expect(split(['progress 1\rprogress 2\n'])).toEqual(['progress 1\rprogress 2']);
  });

  it('decodes a multibyte character split across chunks', () => {
    const bytes = Buffer.from('grüße 🚢\n', 'utf8');
    // Split at every byte: each multibyte character is cut at least once.
    const chunks = [...bytes].map((byte) => Buffer.from([byte]));
    expect(split(chunks)).toEqual(['grüße 🚢']);
  });

  it('turns invalid UTF-8 into replacement characters instead of failing', () => {
    expect(split([Buffer.from([0x61, 0xff, 0x62, 0x0a])])).toEqual(['a\ufffdb']);
    expect(split([Buffer.from([0x61, 0xe2, 0x82])])).toEqual(['a\ufffd']);
  });

  it('cuts an over-long line into pieces without splitting a surrogate pair', () => {
    expect(split(['abcdefg\n'], { maxLineLength: 3 })).toEqual(['abc', 'def', 'g']);
    expect(split(['ab🚢cd'], { maxLineLength: 3 })).toEqual(['ab', '🚢c', 'd']);
  });

  it('ignores writes after end', () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((line) => lines.push(line));
    splitter.write('a');
    splitter.end();
    splitter.write('b\n');
    splitter.end();
    expect(lines).toEqual(['a']);
  });
});
