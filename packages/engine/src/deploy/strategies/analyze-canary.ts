import type { CanaryAnalysis } from '../deploy-types.js';
import type { PoolWindow } from '../traffic-router.js';

export interface CanaryVerdict {
  verdict: 'pass' | 'fail' | 'inconclusive';
  /** For a failure: the metric, its value and its limit, in words. */
  message: string;
}

/**
 * One analysis check over the window, pure. The canary is judged against absolute limits and against the
 * stable pool measured over the same window (so a slow backend dependency that slows both is not the canary's
 * fault): error rate = (5xx + connection errors + timeouts) / requests; p99 from the proxy's histogram.
 * Fewer than `minRequests` canary requests is inconclusive.
 */
export function analyzeCanary(canary: PoolWindow, stable: PoolWindow, analysis: CanaryAnalysis): CanaryVerdict {
  if (canary.requests < analysis.minRequests) {
    return {
      verdict: 'inconclusive',
      message: `${canary.requests} canary requests in the window, fewer than minRequests ${analysis.minRequests}`,
    };
  }
  const errorRate = canary.errorRate ?? canary.errors / canary.requests;
  if (analysis.maxErrorRate !== undefined && errorRate > analysis.maxErrorRate) {
    return {
      verdict: 'fail',
      message: `error rate ${percent(errorRate)} is above maxErrorRate ${percent(analysis.maxErrorRate)} (${canary.errors} of ${canary.requests} requests)`,
    };
  }
  const p99 = canary.p99Ms;
  if (analysis.maxLatencyP99Ms !== undefined && p99 !== null && p99 > analysis.maxLatencyP99Ms) {
    return {
      verdict: 'fail',
      message: `p99 latency ${p99.toFixed(0)} ms is above maxLatencyP99 ${analysis.maxLatencyP99Ms} ms`,
    };
  }
  if (analysis.maxLatencyRatio !== undefined && p99 !== null && stable.p99Ms !== null && stable.requests > 0) {
    const limit = analysis.maxLatencyRatio * Math.max(stable.p99Ms, 1);
    if (p99 > limit) {
      return {
        verdict: 'fail',
        message: `p99 latency ${p99.toFixed(0)} ms is above maxLatencyRatio ${analysis.maxLatencyRatio} × the stable pool's p99 ${stable.p99Ms.toFixed(0)} ms (limit ${limit.toFixed(0)} ms)`,
      };
    }
  }
  return {
    verdict: 'pass',
    message: `error rate ${percent(errorRate)}, p99 ${p99 === null ? '-' : `${p99.toFixed(0)} ms`} (stable ${stable.p99Ms === null ? '-' : `${stable.p99Ms.toFixed(0)} ms`}) over ${canary.requests} requests`,
  };
}

function percent(rate: number): string {
  return `${(rate * 100).toFixed(1)}%`;
}
