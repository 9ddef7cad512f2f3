import { describe, expect, it } from 'vitest';
import { retryDelayMs } from '../../../packages/runner/src/worker/retry-backoff.js';

describe('retry backoff', () => {
  it('doubles from the base delay and stops at the cap', () => {
    expect([1, 2, 3, 4].map((retry) => retryDelayMs(retry, 5000))).toEqual([5000, 10_000, 20_000, 40_000]);
    expect(retryDelayMs(20, 5000)).toBe(600_000);
    expect(retryDelayMs(3, 200, 500)).toBe(500);
  });
});
