/**
 * A value as text the way GitHub's functions (format, join, contains, …) convert it: null → '', numbers with
 * at most 15 decimals, arrays → 'Array', objects → 'Object'.
 */
export function coerceString(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return 'Array';
  return typeof value === 'object' ? 'Object' : '';
}

/** GitHub's number formatting: at most 15 decimals without trailing zeros (so 1.2 never prints as 1.19999…), -0 as 0. */
export function formatNumber(value: number): string {
  if (value === 0) return '0';
  return (+value.toFixed(15)).toString();
}
