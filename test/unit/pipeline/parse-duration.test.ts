import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../../packages/engine/src/pipeline/index.js';

describe('parseDuration', () => {
  it('reads a number as seconds', () => {
    expect(parseDuration(0)).toBe(0);
    expect(parseDuration(30)).toBe(30_000);
    expect(parseDuration(1.5)).toBe(1500);
  });

  it('reads units and their sums', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('10m')).toBe(600_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('1m30s250ms')).toBe(90_250);
  });

  it('throws SPEC_INVALID for anything else', () => {
    for (const bad of ['tenminutes', '', '10', '5 m', '-1s']) {
      expect(() => parseDuration(bad)).toThrow(expect.objectContaining({ code: 'SPEC_INVALID' }));
    }
    expect(() => parseDuration(-1)).toThrow(/non-negative/);
  });
});
