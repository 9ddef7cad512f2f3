import { describe, expect, it } from 'vitest';
import { decodeStreamEntry, encodeStreamEntry, isQueueEvent } from '../../../packages/runner/src/queue/stream-entry.js';

describe('stream entries', () => {
  it('carry the attempt and the event', () => {
    const event = { type: 'attempt.started' as const, attempt: 2, runner: 'alpha', waitedMs: 40, time: 5, runId: 'r1' };
    expect(decodeStreamEntry('1-0', encodeStreamEntry(2, event))).toEqual({ id: '1-0', attempt: 2, event });
    expect(isQueueEvent(event)).toBe(true);
  });

  it('tell engine events from queue events', () => {
    const event = {
      type: 'step.log' as const,
      job: 'build',
      step: 0,
      stream: 'stdout' as const,
      line: 'hi',
      seq: 3,
      time: 1,
      runId: 'r1',
    };
    const entry = decodeStreamEntry('2-0', encodeStreamEntry(1, event));
    expect(entry?.event).toEqual(event);
    expect(entry && isQueueEvent(entry.event)).toBe(false);
  });

  it('skips entries it cannot read', () => {
    expect(decodeStreamEntry('3-0', ['a', '1', 'e', '{not json'])).toBeUndefined();
    expect(decodeStreamEntry('4-0', ['x', 'y'])).toBeUndefined();
  });
});
