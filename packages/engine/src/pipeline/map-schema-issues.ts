import type { z } from 'zod';
import { didYouMean } from '../expr/suggest-name.js';
import { Condition, Duration } from './pipeline-schema.js';
import { allowedKeysAt, schemasAtPath } from './schemas-at-path.js';
import type { PathSegment, PendingIssue } from './pipeline-issue.js';

type Issue = z.core.$ZodIssue;

/** What a value of these union schemas looks like, for when a value matches none of their options. */
const unionDescriptions = new Map<z.core.$ZodType, string>([
  [Duration, 'a duration like 30s, 10m or 1h30m (or a number of seconds)'],
  [Condition, 'true, false or an expression'],
]);

/**
 * Turns zod issues into readable, located issues: one per unknown key (with a suggestion from the keys the
 * schema allows there), the most relevant option's problems for a union, "required" for a missing key.
 */
export function mapSchemaIssues(issues: readonly Issue[], input: unknown, schema: z.core.$ZodType): PendingIssue[] {
  const out: PendingIssue[] = [];
  for (const issue of issues) mapIssue(issue, [], { input, schema, out });
  return out;
}

interface MapState {
  input: unknown;
  schema: z.core.$ZodType;
  out: PendingIssue[];
}

function mapIssue(issue: Issue, base: PathSegment[], state: MapState): void {
  const path = [...base, ...issue.path.map(toSegment)];
  const value = valueAt(state.input, path);
  const push = (message: string, at: PendingIssue['at'] = 'value', atPath = path): void => {
    state.out.push({ code: 'SPEC_INVALID', path: atPath, at, message });
  };

  if (value === absent && issue.code !== 'unrecognized_keys') return push('required', 'parent');
  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = allowedKeysAt(state.schema, path);
      const listed = allowed.length > 0 && allowed.length <= 8 ? ` (allowed: ${allowed.join(', ')})` : '';
      for (const key of issue.keys)
        push(`unknown key "${key}"${didYouMean(key, allowed) || listed}`, 'key', [...path, key]);
      return;
    }
    case 'invalid_union':
      return mapUnion(issue, path, value, state);
    case 'invalid_key': {
      const inner = issue.issues[0];
      const detail = inner ? describe(inner, path[path.length - 1]) : issue.message;
      return push(`invalid name "${String(path[path.length - 1])}": ${detail}`, 'key');
    }
    default:
      return push(describe(issue, value));
  }
}

/** Reports the problems of the option that came closest; if none even had the right type, says what fits. */
function mapUnion(
  issue: Extract<Issue, { code: 'invalid_union' }>,
  path: PathSegment[],
  value: unknown,
  state: MapState,
): void {
  const branches = issue.errors.filter((branch) => !isTypeMismatch(branch));
  const best = branches.reduce<Issue[] | undefined>(
    (a, b) => (a === undefined || b.length < a.length ? b : a),
    undefined,
  );
  if (best) {
    for (const inner of best) mapIssue(inner, path, state);
    return;
  }
  const described = schemasAtPath(state.schema, path)
    .map((schema) => unionDescriptions.get(schema))
    .find((text) => text !== undefined);
  const expected = described ?? joinAlternatives([...new Set(issue.errors.flatMap(expectedOf))]);
  state.out.push({ code: 'SPEC_INVALID', path, at: 'value', message: `expected ${expected}, got ${typeOf(value)}` });
}

/** An option failed on the value's type itself (not on something inside it). */
function isTypeMismatch(branch: readonly Issue[]): boolean {
  return branch.some(
    (issue) =>
      issue.path.length === 0 &&
      (issue.code === 'invalid_type' ||
        issue.code === 'invalid_value' ||
        (issue.code === 'invalid_union' && issue.errors.every(isTypeMismatch))),
  );
}

function expectedOf(branch: readonly Issue[]): string[] {
  return branch.flatMap((issue) => {
    if (issue.path.length > 0) return [];
    if (issue.code === 'invalid_type') return [typeName(issue.expected)];
    if (issue.code === 'invalid_value') return issue.values.map(showValue);
    if (issue.code === 'invalid_union') return issue.errors.flatMap(expectedOf);
    return [];
  });
}

function describe(issue: Issue, value: unknown): string {
  switch (issue.code) {
    case 'invalid_type': {
      const expected = typeName(issue.expected);
      const got = typeOf(value);
      return `expected ${expected}, got ${got === expected || expected === 'integer' ? showValue(value) : got}`;
    }
    case 'invalid_value':
      return issue.values.length === 1
        ? `expected ${showValue(issue.values[0])}, got ${showValue(value)}`
        : `expected one of ${issue.values.map(String).join(', ')}, got ${showValue(value)}`;
    case 'invalid_format':
      return describeFormat(issue, value);
    case 'too_small':
      return describeBound('at least', '>', issue.origin, issue.minimum, issue.inclusive, value);
    case 'too_big':
      return describeBound('at most', '<', issue.origin, issue.maximum, issue.inclusive, value);
    case 'not_multiple_of':
      return `expected a multiple of ${issue.divisor}, got ${showValue(value)}`;
    default:
      return lowerFirst(issue.message);
  }
}

function describeFormat(issue: Extract<Issue, { code: 'invalid_format' }>, value: unknown): string {
  if (!issue.message.startsWith('Invalid')) return issue.message;
  const detail = issue as Issue & { prefix?: string; suffix?: string; includes?: string };
  if (issue.format === 'starts_with')
    return `expected a string starting with "${detail.prefix}", got ${showValue(value)}`;
  if (issue.format === 'ends_with') return `expected a string ending with "${detail.suffix}", got ${showValue(value)}`;
  if (issue.format === 'includes') return `expected a string containing "${detail.includes}", got ${showValue(value)}`;
  if (issue.format === 'regex') return `expected a string matching ${issue.pattern}, got ${showValue(value)}`;
  return `expected ${issue.format}, got ${showValue(value)}`;
}

function describeBound(
  words: string,
  sign: '<' | '>',
  origin: string,
  bound: number | bigint,
  inclusive: boolean | undefined,
  value: unknown,
): string {
  if (origin === 'string')
    return bound === 1 && inclusive
      ? 'expected a non-empty string'
      : `expected ${words} ${bound} characters, got ${showValue(value)}`;
  if (origin === 'array') {
    const count = Array.isArray(value) ? value.length : 0;
    return `expected ${words} ${bound} item${bound === 1 ? '' : 's'}, got ${count}`;
  }
  return `expected a number ${sign}${inclusive ? '=' : ''} ${bound}, got ${showValue(value)}`;
}

const absent = Symbol('absent');

function valueAt(input: unknown, path: readonly PathSegment[]): unknown {
  let current: unknown = input;
  for (const segment of path) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, segment)) return absent;
    current = (current as Record<PathSegment, unknown>)[segment];
  }
  return current === undefined ? absent : current;
}

function toSegment(key: PropertyKey): PathSegment {
  return typeof key === 'number' ? key : String(key);
}

/** zod's type names in the words of a YAML author. */
function typeName(expected: string): string {
  const names: Record<string, string> = { object: 'mapping', record: 'mapping', array: 'list', int: 'integer' };
  return names[expected] ?? expected;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'object') return 'mapping';
  return typeof value;
}

function showValue(value: unknown): string {
  if (typeof value === 'string') return `'${value.length > 40 ? `${value.slice(0, 37)}...` : value}'`;
  if (typeof value === 'object' && value !== null) return typeOf(value);
  return String(value);
}

function joinAlternatives(items: string[]): string {
  if (items.length <= 1) return items[0] ?? 'something else';
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
