import { latencyQuantile, latencySlot, latencySlots } from './latency-histogram.js';
import type { PoolStats, StatusClass } from './proxy-types.js';
import { statusClasses } from './proxy-types.js';

/** How one upstream attempt ended. */
export type AttemptOutcome =
  | { kind: 'response'; status: number; ms: number }
  /** Refused, reset or hung up before the first response byte, or the response broke off midway. */
  | { kind: 'connection-error' }
  | { kind: 'timeout'; ms: number }
  /** Still running when its backend's drain timed out. */
  | { kind: 'cut'; ms: number };

// One flat row of numbers per period: totals and each per-second bucket share the layout.
const REQUESTS = 0;
const CLASSES = 1; // 5 slots: 1xx … 5xx
const CONNECTION_ERRORS = 6;
const TIMEOUTS = 7;
const CUT = 8;
const LATENCY_COUNT = 9;
const LATENCY_SUM = 10;
const HISTOGRAM = 11;
const WIDTH = HISTOGRAM + latencySlots;

/** Seconds of history kept for windowed reads. */
export const ringSeconds = 600;

/**
 * Counters of one pool: totals since start plus a ring of per-second rows covering the last `ringSeconds`,
 * so "the last N seconds" can be read without keeping samples. Memory is fixed (≈ 600 × 36 numbers).
 */
export class PoolCounters {
  private readonly totals = new Float64Array(WIDTH);
  private readonly ring = new Float64Array(ringSeconds * WIDTH);
  private readonly ringSecond = new Float64Array(ringSeconds).fill(-1);

  constructor(private readonly now: () => number) {}

  record(outcome: AttemptOutcome): void {
    const row = this.currentRow();
    const add = (index: number, value = 1) => {
      this.totals[index] = (this.totals[index] ?? 0) + value;
      this.ring[row + index] = (this.ring[row + index] ?? 0) + value;
    };
    add(REQUESTS);
    switch (outcome.kind) {
      case 'response': {
        const cls = Math.min(5, Math.max(1, Math.floor(outcome.status / 100)));
        add(CLASSES + cls - 1);
        this.addLatency(add, outcome.ms);
        break;
      }
      case 'connection-error':
        add(CONNECTION_ERRORS);
        break;
      case 'timeout':
        add(TIMEOUTS);
        this.addLatency(add, outcome.ms);
        break;
      case 'cut':
        add(CUT);
        this.addLatency(add, outcome.ms);
        break;
    }
  }

  /** Totals since the proxy started. */
  total(): PoolStats {
    return summarize(this.totals);
  }

  /** The last `seconds` seconds, the current one included (clamped to 1…ringSeconds). */
  window(seconds: number): PoolStats {
    const span = Math.min(ringSeconds, Math.max(1, Math.floor(seconds)));
    const nowSecond = Math.floor(this.now() / 1000);
    const sum = new Float64Array(WIDTH);
    for (let second = nowSecond - span + 1; second <= nowSecond; second++) {
      const slot = second % ringSeconds;
      if (this.ringSecond[slot] !== second) continue;
      for (let i = 0; i < WIDTH; i++) sum[i] = (sum[i] ?? 0) + (this.ring[slot * WIDTH + i] ?? 0);
    }
    return summarize(sum);
  }

  /** Raw totals for the Prometheus exposition: histogram slot counts and latency sum (ms). */
  histogramTotals(): { slots: number[]; sumMs: number; count: number } {
    return {
      slots: Array.from(this.totals.subarray(HISTOGRAM, HISTOGRAM + latencySlots)),
      sumMs: this.totals[LATENCY_SUM] ?? 0,
      count: this.totals[LATENCY_COUNT] ?? 0,
    };
  }

  private addLatency(add: (index: number, value?: number) => void, ms: number): void {
    add(LATENCY_COUNT);
    add(LATENCY_SUM, ms);
    add(HISTOGRAM + latencySlot(ms));
  }

  private currentRow(): number {
    const second = Math.floor(this.now() / 1000);
    const slot = second % ringSeconds;
    if (this.ringSecond[slot] !== second) {
      this.ringSecond[slot] = second;
      this.ring.fill(0, slot * WIDTH, (slot + 1) * WIDTH);
    }
    return slot * WIDTH;
  }
}

function summarize(row: Float64Array): PoolStats {
  const at = (index: number) => row[index] ?? 0;
  const responses = Object.fromEntries(statusClasses.map((cls, i) => [cls, at(CLASSES + i)])) as Record<
    StatusClass,
    number
  >;
  const requests = at(REQUESTS);
  const errors = responses['5xx'] + at(CONNECTION_ERRORS) + at(TIMEOUTS) + at(CUT);
  const latencyCount = at(LATENCY_COUNT);
  const quantile = (q: number) => round(latencyQuantile(row, q, HISTOGRAM));
  return {
    requests,
    responses,
    connectionErrors: at(CONNECTION_ERRORS),
    timeouts: at(TIMEOUTS),
    cut: at(CUT),
    errors,
    errorRate: requests > 0 ? errors / requests : null,
    latencyCount,
    meanMs: latencyCount > 0 ? round(at(LATENCY_SUM) / latencyCount) : null,
    p50Ms: quantile(0.5),
    p90Ms: quantile(0.9),
    p99Ms: quantile(0.99),
  };
}

const round = (value: number | null) => (value === null ? null : Math.round(value * 100) / 100);
