/**
 * A value as text, the way GitHub Actions stringifies: null → '', booleans and numbers as written,
 * arrays and objects as compact JSON.
 */
export function stringifyValue(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Object.is(value, -0) ? '0' : String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'object') return JSON.stringify(value) ?? '';
  return '';
}
