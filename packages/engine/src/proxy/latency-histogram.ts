/** Upper bounds (ms) of the latency buckets; a last, open bucket holds everything slower than 10 s. */
export const latencyBucketsMs: readonly number[] = [
  1, 2, 3, 5, 7.5, 10, 15, 20, 30, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 7500, 10000,
];

/** Number of histogram slots: one per bound plus the open one. */
export const latencySlots = latencyBucketsMs.length + 1;

/** Slot of a latency: the first bucket whose upper bound is ≥ ms. */
export function latencySlot(ms: number): number {
  let low = 0;
  let high = latencyBucketsMs.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (ms <= (latencyBucketsMs[mid] ?? Infinity)) high = mid;
    else low = mid + 1;
  }
  return low;
}

/**
 * The q-quantile (0–1) of a histogram given as slot counts starting at `offset`, interpolated linearly inside
 * its bucket (as Prometheus' histogram_quantile does); the open bucket reads as the last bound. Null when empty.
 */
export function latencyQuantile(counts: ArrayLike<number>, q: number, offset = 0): number | null {
  let total = 0;
  for (let slot = 0; slot < latencySlots; slot++) total += counts[offset + slot] ?? 0;
  if (total === 0) return null;
  const rank = q * total;
  let below = 0;
  for (let slot = 0; slot < latencySlots; slot++) {
    const count = counts[offset + slot] ?? 0;
    if (count > 0 && below + count >= rank) {
      const upper = latencyBucketsMs[slot];
      if (upper === undefined) return latencyBucketsMs[latencyBucketsMs.length - 1] ?? null;
      const lower = slot === 0 ? 0 : (latencyBucketsMs[slot - 1] ?? 0);
      return lower + ((upper - lower) * (rank - below)) / count;
    }
    below += count;
  }
  return latencyBucketsMs[latencyBucketsMs.length - 1] ?? null;
}
