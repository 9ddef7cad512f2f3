import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../../packages/engine/src/exec/line-splitter.js';
import { EventStream } from '../../../packages/engine/src/run/event-stream.js';
import { createMasker, maskDeep, SplitMasker } from '../../../packages/engine/src/run/mask-secrets.js';

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

describe('masking what the line masker alone missed (issue 18 item 8)', () => {
  const secret = 'hunter2-secret';
  const quoted = 'pa"ss\\word';
  const values = [secret, quoted];
  const stream = () => {
    const events = new EventStream('r1', () => 0);
    const lines: string[] = [];
    events.subscribe((event) => {
      if (event.type === 'step.log') lines.push(event.line);
      else lines.push(`<${event.type}>`);
    });
    events.setMask(createMasker(values), new SplitMasker(values));
    const log = (line: string, stream: 'stdout' | 'stderr' = 'stdout') =>
      events.emit({ type: 'step.log', job: 'j', step: 0, stream, line });
    return { events, lines, log };
  };

  it('masks the JSON-escaped form toJSON(secrets) prints for a value with quotes or backslashes', () => {
    expect(createMasker(values)(JSON.stringify({ token: quoted }))).toBe('{"token":"***"}');
  });

  it('masks a secret printed over two lines, both halves', () => {
    const { lines, log, events } = stream();
    log('first half: hunter2');
    log('-secret and the rest');
    log('plain');
    events.flush();
    expect(lines).toEqual(['first half: ***', '*** and the rest', 'plain']);
  });

  it('masks a secret the 64 KiB line cut went through', () => {
    const { lines, log, events } = stream();
    const splitter = new LineSplitter((line) => log(line), { maxLineLength: 20 });
    splitter.write(`${'x'.repeat(15)}${secret}${'y'.repeat(10)}\n`);
    splitter.end();
    events.flush();
    expect(lines.join('')).not.toMatch(/hunter|secret/);
    expect(lines.join('')).toContain('***');
  });

  it('shows a line at once when it does not end with the start of a secret, and a held one before any other event', () => {
    const { lines, log, events } = stream();
    log('nothing to hold');
    expect(lines).toEqual(['nothing to hold']);
    log('ends with hunt');
    expect(lines).toEqual(['nothing to hold']);
    log('other stream', 'stderr');
    expect(lines).toEqual(['nothing to hold', 'other stream']);
    events.emit({ type: 'run.finished', status: 'success', durationMs: 1 } as never);
    expect(lines).toEqual(['nothing to hold', 'other stream', 'ends with hunt', '<run.finished>']);
  });

  it('lets a held line go after 100 ms when nothing follows', async () => {
    const { lines, log } = stream();
    log('ends with hunt');
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(lines).toEqual(['ends with hunt']);
  });
});
