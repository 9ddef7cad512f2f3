import { describe, expect, it } from 'vitest';
import { compareIds } from '../../../packages/runner/src/api/run-event-hub.js';

describe('compareIds', () => {
  it('orders stream ids by time, then sequence, with 0 first', () => {
    expect(compareIds('0', '1-0')).toBe(-1);
    expect(compareIds('1700000000000-5', '1700000000000-12')).toBe(-1);
    expect(compareIds('1700000000001-0', '1700000000000-99')).toBe(1);
    expect(compareIds('5-5', '5-5')).toBe(0);
    expect(compareIds('99999999999999999999-0', '99999999999999999998-0')).toBe(1);
  });
});
