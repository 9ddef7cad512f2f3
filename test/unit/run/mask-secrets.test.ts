import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../../packages/engine/src/exec/line-splitter.js';
import { createMasker, maskDeep } from '../../../packages/engine/src/run/mask-secrets.js';

describe('createMasker', () => {
  const mask = createMasker(['hunter2-secret', 'line one\nline two']);

  it('masks the value, its base64 and URL-encoded forms, and each line of a multi-line value', () => {
    expect(mask('token=hunter2-secret;')).toBe('token=***;');
    expect(mask(Buffer.from('hunter2-secret').toString('base64'))).toBe('***');
    expect(mask('line two')).toBe('***');
    expect(mask(encodeURIComponent('line one\nline two'))).toBe('***');
    expect(mask('nothing here')).toBe('nothing here');
  });

  it('masks a value that reached the output split across chunks, once the line is whole', () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((line) => lines.push(mask(line)));
    splitter.write(Buffer.from('start hunt'));
    splitter.write(Buffer.from('er2-sec'));
    splitter.write(Buffer.from('ret end\n'));
    splitter.end();
    expect(lines).toEqual(['start *** end']);
  });

  it('masks every string inside an event', () => {
    expect(maskDeep({ line: 'hunter2-secret', outputs: { x: 'a hunter2-secret b' }, n: 1 }, mask)).toEqual({
      line: '***',
      outputs: { x: 'a *** b' },
      n: 1,
    });
  });
});
