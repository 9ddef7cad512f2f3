import type { BinaryOperator } from './expr-types.js';

/**
 * Comparison with GitHub Actions' loose rules: strings compare case-insensitively; values of different
 * primitive types are compared as numbers (null → 0, true → 1, '' → 0, 'abc' → NaN); arrays and objects
 * are only equal to themselves; any comparison involving NaN is false (so `!=` is true).
 */
export function compareValues(op: BinaryOperator, left: unknown, right: unknown): boolean {
  if (op === '==') return looseEquals(left, right);
  if (op === '!=') return !looseEquals(left, right);
  const order = orderOf(left, right);
  if (order === undefined) return false;
  switch (op) {
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
    case '>':
      return order > 0;
    case '>=':
      return order >= 0;
  }
}

export function looseEquals(left: unknown, right: unknown): boolean {
  const a = left ?? null;
  const b = right ?? null;
  if (isComposite(a) || isComposite(b)) return a === b;
  if (typeof a === 'string' && typeof b === 'string') return a.toUpperCase() === b.toUpperCase();
  if (typeof a === typeof b && a !== null && b !== null) return a === b;
  return toNumber(a) === toNumber(b);
}

/** GitHub's number coercion of a primitive; arrays and objects are NaN. */
export function toNumber(value: unknown): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string') {
    const trimmed = value.trim();
    if (trimmed === '') return 0;
    return /^[-+]?(0[xX][0-9a-fA-F]+|(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?|Infinity)$/.test(trimmed)
      ? parseNumber(trimmed)
      : NaN;
  }
  return NaN;
}

function parseNumber(text: string): number {
  const sign = text.startsWith('-') ? -1 : 1;
  const unsigned = text.replace(/^[-+]/, '');
  return sign * Number(unsigned);
}

function orderOf(left: unknown, right: unknown): number | undefined {
  const a = left ?? null;
  const b = right ?? null;
  if (isComposite(a) || isComposite(b)) return undefined;
  if (typeof a === 'string' && typeof b === 'string') {
    const x = a.toUpperCase();
    const y = b.toUpperCase();
    return x < y ? -1 : x > y ? 1 : 0;
  }
  const x = toNumber(a);
  const y = toNumber(b);
  if (Number.isNaN(x) || Number.isNaN(y)) return undefined;
  return x < y ? -1 : x > y ? 1 : 0;
}

function isComposite(value: unknown): boolean {
  return typeof value === 'object' && value !== null;
}
