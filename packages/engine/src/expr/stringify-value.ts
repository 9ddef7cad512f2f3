import { coerceString } from './coerce-string.js';

/**
 * A value as text in a template (`${{ }}` inside a string): as GitHub converts it (null → '', numbers with at
 * most 15 decimals), except that arrays and objects become compact JSON rather than 'Array' and 'Object'.
 */
export function stringifyValue(value: unknown): string {
  if (typeof value === 'object' && value !== null) return JSON.stringify(value) ?? '';
  return coerceString(value);
}
