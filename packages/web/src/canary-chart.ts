/** One analysis of a canary: when, and canary vs stable over its window. */
export interface AnalysisPoint {
  at: number;
  canary: { errorRate: number | null; p99Ms: number | null };
  stable: { errorRate?: number | null; p99Ms: number | null };
}

export interface ChartSeries {
  name: string;
  /** `x,y` pairs in the chart's pixel space, for an SVG polyline. */
  points: string;
}

/**
 * The canary analyses as two small charts' polylines: p99 (ms) and error rate (%) of canary and stable over
 * time, scaled into width × height with the largest value at the top. Missing values (no requests) are gaps
 * in the data, so they are left out.
 */
export function canaryChart(
  analyses: readonly AnalysisPoint[],
  width: number,
  height: number,
): { p99: ChartSeries[]; errors: ChartSeries[]; maxP99: number; maxErrorRate: number } {
  const start = analyses[0]?.at ?? 0;
  const span = Math.max(1, (analyses.at(-1)?.at ?? start) - start);
  const x = (at: number) => Math.round(((at - start) / span) * width);
  const values = (pick: (a: AnalysisPoint) => number | null | undefined) =>
    analyses.flatMap((a) => {
      const value = pick(a);
      return value === null || value === undefined ? [] : [{ at: a.at, value }];
    });
  const series = (name: string, list: { at: number; value: number }[], max: number): ChartSeries => ({
    name,
    points: list.map((p) => `${x(p.at)},${Math.round(height - (p.value / max) * height)}`).join(' '),
  });
  const canaryP99 = values((a) => a.canary.p99Ms);
  const stableP99 = values((a) => a.stable.p99Ms);
  const canaryErrors = values((a) => a.canary.errorRate);
  const stableErrors = values((a) => a.stable.errorRate);
  const maxP99 = Math.max(1, ...canaryP99.map((p) => p.value), ...stableP99.map((p) => p.value));
  const maxErrorRate = Math.max(0.01, ...canaryErrors.map((p) => p.value), ...stableErrors.map((p) => p.value));
  return {
    p99: [series('canary', canaryP99, maxP99), series('stable', stableP99, maxP99)],
    errors: [series('canary', canaryErrors, maxErrorRate), series('stable', stableErrors, maxErrorRate)],
    maxP99,
    maxErrorRate,
  };
}
