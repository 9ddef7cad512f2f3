import { FerryError } from '../errors.js';
import { durationPattern } from './pipeline-schema.js';

const unitMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * A pipeline duration in milliseconds: a number is seconds, a string is like `500ms`, `30s`, `10m` or
 * `1h30m`. Throws FerryError SPEC_INVALID for anything else (the schema has already rejected those).
 */
export function parseDuration(value: number | string): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0)
      throw new FerryError('SPEC_INVALID', `invalid duration ${value}: expected a non-negative number of seconds`);
    return Math.round(value * 1000);
  }
  const text = value.trim();
  if (!durationPattern.test(text))
    throw new FerryError('SPEC_INVALID', `invalid duration "${value}": expected a duration like 30s, 10m or 1h30m`);
  let total = 0;
  for (const match of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    total += Number(match[1]) * (unitMs[match[2] as string] as number);
  }
  return Math.round(total);
}
