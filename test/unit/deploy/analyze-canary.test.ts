import { describe, expect, it } from 'vitest';
import type { CanaryAnalysis } from '../../../packages/engine/src/deploy/deploy-types.js';
import { analyzeCanary } from '../../../packages/engine/src/deploy/strategies/analyze-canary.js';
import type { PoolWindow } from '../../../packages/engine/src/deploy/traffic-router.js';

const analysis = (patch: Partial<CanaryAnalysis>): CanaryAnalysis => ({
  intervalMs: 1000,
  windowMs: 2000,
  minRequests: 10,
  failureLimit: 0,
  noData: 'hold',
  ...patch,
});
const pool = (requests: number, errors: number, p99Ms: number | null): PoolWindow => ({
  requests,
  errors,
  errorRate: requests === 0 ? null : errors / requests,
  p99Ms,
});

describe('analyzeCanary (limits are inclusive: at the limit passes, above it fails)', () => {
  it.each([
    ['minRequests: 9 of 10 is inconclusive', pool(9, 0, 5), analysis({}), 'inconclusive'],
    ['minRequests: 10 of 10 is judged', pool(10, 0, 5), analysis({}), 'pass'],
    ['maxErrorRate 0.1 at 10 of 100', pool(100, 10, 5), analysis({ maxErrorRate: 0.1 }), 'pass'],
    ['maxErrorRate 0.1 at 11 of 100', pool(100, 11, 5), analysis({ maxErrorRate: 0.1 }), 'fail'],
    ['maxErrorRate 0 with no errors', pool(100, 0, 5), analysis({ maxErrorRate: 0 }), 'pass'],
    ['maxLatencyP99 500 at 500 ms', pool(100, 0, 500), analysis({ maxLatencyP99Ms: 500 }), 'pass'],
    ['maxLatencyP99 500 at 501 ms', pool(100, 0, 501), analysis({ maxLatencyP99Ms: 500 }), 'fail'],
  ] as const)('%s → %s', (_name, canary, limits, expected) => {
    expect(analyzeCanary(canary, pool(100, 0, 100), limits).verdict).toBe(expected);
  });

  it('judges maxLatencyRatio against the stable pool of the same window', () => {
    const limits = analysis({ maxLatencyRatio: 1.5 });
    expect(analyzeCanary(pool(100, 0, 150), pool(100, 0, 100), limits).verdict).toBe('pass');
    expect(analyzeCanary(pool(100, 0, 151), pool(100, 0, 100), limits)).toMatchObject({
      verdict: 'fail',
      message: expect.stringContaining('above maxLatencyRatio 1.5') as string,
    });
    // No stable traffic: nothing to compare with, so the ratio does not fail the canary.
    expect(analyzeCanary(pool(100, 0, 900), pool(0, 0, null), limits).verdict).toBe('pass');
  });
});
