/** Delay before retry n (1 = the first retry) after an infrastructure failure: base × 2^(n-1), at most maxMs. */
export function retryDelayMs(retry: number, baseMs: number, maxMs = 10 * 60_000): number {
  return Math.min(maxMs, Math.round(baseMs * 2 ** Math.max(0, retry - 1)));
}
