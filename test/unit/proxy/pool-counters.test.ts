import { describe, expect, it } from 'vitest';
import { latencyQuantile, latencySlot, latencySlots } from '../../../packages/engine/src/proxy/latency-histogram.js';
import { PoolCounters, ringSeconds } from '../../../packages/engine/src/proxy/pool-counters.js';

describe('latency histogram', () => {
  it('puts a latency in the first bucket whose bound is at least it', () => {
    expect(latencySlot(0.2)).toBe(0);
    expect(latencySlot(1)).toBe(0);
    expect(latencySlot(1.01)).toBe(1);
    expect(latencySlot(10_000)).toBe(latencySlots - 2);
    expect(latencySlot(60_000)).toBe(latencySlots - 1);
  });

  it('interpolates quantiles inside a bucket and reads the open bucket as the last bound', () => {
    const counts = new Array<number>(latencySlots).fill(0);
    expect(latencyQuantile(counts, 0.5)).toBeNull();
    counts[latencySlot(150)] = 100; // the (100, 150] bucket
    expect(latencyQuantile(counts, 0.5)).toBeCloseTo(125);
    expect(latencyQuantile(counts, 0.99)).toBeCloseTo(149.5);
    counts[latencySlots - 1] = 100;
    expect(latencyQuantile(counts, 0.99)).toBe(10_000);
  });
});

describe('PoolCounters', () => {
  it('counts by outcome and status class, with errors = 5xx + connection errors + timeouts + cuts', () => {
    const counters = new PoolCounters(() => 5_000);
    counters.record({ kind: 'response', status: 200, ms: 3 });
    counters.record({ kind: 'response', status: 404, ms: 3 });
    counters.record({ kind: 'response', status: 503, ms: 3 });
    counters.record({ kind: 'connection-error' });
    counters.record({ kind: 'timeout', ms: 1000 });
    counters.record({ kind: 'cut', ms: 30_000 });
    const total = counters.total();
    expect(total).toMatchObject({ requests: 6, connectionErrors: 1, timeouts: 1, cut: 1, errors: 4, latencyCount: 5 });
    expect(total.responses).toEqual({ '1xx': 0, '2xx': 1, '3xx': 0, '4xx': 1, '5xx': 1 });
    expect(total.errorRate).toBeCloseTo(4 / 6);
  });

  it('reads the last N seconds from per-second buckets and forgets what is older than the ring', () => {
    let now = 1_000_000;
    const counters = new PoolCounters(() => now);
    for (let second = 0; second < 20; second++) {
      counters.record({ kind: 'response', status: second < 10 ? 200 : 500, ms: second < 10 ? 5 : 800 });
      now += 1000;
    }
    now -= 1000; // the last recorded second is "now"
    expect(counters.window(10)).toMatchObject({ requests: 10, errors: 10 });
    expect(counters.window(10).p99Ms).toBeGreaterThan(750);
    expect(counters.window(20)).toMatchObject({ requests: 20, errors: 10 });
    expect(counters.window(20).p50Ms).toBeLessThanOrEqual(750);
    expect(counters.total().requests).toBe(20);

    now += ringSeconds * 1000;
    expect(counters.window(ringSeconds).requests).toBe(0);
    counters.record({ kind: 'response', status: 200, ms: 1 });
    expect(counters.window(1).requests).toBe(1);
    expect(counters.window(ringSeconds).requests).toBe(1);
    expect(counters.total().requests).toBe(21);
  });
});
