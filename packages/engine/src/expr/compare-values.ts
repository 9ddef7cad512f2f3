import type { BinaryOperator } from './expr-types.js';
import { kindOf, type ValueKind } from './kind-of.js';

/**
 * Comparison with GitHub's loose rules (expressions/src/result.ts in actions/languageservices): null and
 * booleans become numbers, a string compared with a number becomes a number (JavaScript's Number(): '' → 0,
 * ' 0x10 ' → 16, 'abc' → NaN); strings compare ignoring case; arrays and objects only equal themselves and
 * are never ordered; anything involving NaN is false (so `!=` is true).
 */
export function compareValues(op: BinaryOperator, left: unknown, right: unknown): boolean {
  switch (op) {
    case '==':
      return looseEquals(left, right);
    case '!=':
      return !looseEquals(left, right);
    case '<':
      return order(left, right) < 0;
    case '<=':
      return looseEquals(left, right) || order(left, right) < 0;
    case '>':
      return order(left, right) > 0;
    case '>=':
      return looseEquals(left, right) || order(left, right) > 0;
  }
}

export function looseEquals(left: unknown, right: unknown): boolean {
  const [a, b, kind] = coerceTypes(left, right);
  switch (kind) {
    case 'Null':
      return true;
    case 'String':
      return upperSpecial(a as string) === upperSpecial(b as string);
    case 'Array':
    case 'Object':
      return a === b;
    case undefined:
      return false;
    default:
      return a === b;
  }
}

/** GitHub's number coercion: null → 0, booleans → 0/1, strings by Number(), arrays and objects NaN. */
export function toNumber(value: unknown): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string') return Number(value);
  return NaN;
}

/** Negative, positive, 0, or NaN when the two cannot be ordered. */
function order(left: unknown, right: unknown): number {
  const [a, b, kind] = coerceTypes(left, right);
  switch (kind) {
    case 'Number':
    case 'Boolean':
      return Number(a) - Number(b);
    case 'String': {
      const x = upperSpecial(a as string);
      const y = upperSpecial(b as string);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    default:
      return NaN;
  }
}

/** Both operands converted to one kind, or kind undefined when they cannot be. */
function coerceTypes(left: unknown, right: unknown): [unknown, unknown, ValueKind | undefined] {
  let a = left ?? null;
  let b = right ?? null;
  let ka = kindOf(a);
  let kb = kindOf(b);
  if (ka !== kb && (ka === 'Null' || ka === 'Boolean')) [a, ka] = [toNumber(a), 'Number'];
  if (ka !== kb && (kb === 'Null' || kb === 'Boolean')) [b, kb] = [toNumber(b), 'Number'];
  if (ka === 'Number' && kb === 'String') [b, kb] = [toNumber(b), 'Number'];
  if (ka === 'String' && kb === 'Number') [a, ka] = [toNumber(a), 'Number'];
  return [a, b, ka === kb ? ka : undefined];
}

/** Upper case for comparisons, leaving the dotless ı alone as GitHub does (so 'ı' never equals 'i'). */
export function upperSpecial(text: string): string {
  return text
    .split('ı')
    .map((part) => part.toUpperCase())
    .join('ı');
}
