import { describe, expect, it } from 'vitest';
import { isTruthy, stringifyValue, suggestName } from '../../../packages/engine/src/expr/index.js';

describe('isTruthy', () => {
  it("follows GitHub's falsiness", () => {
    for (const value of [false, 0, -0, '', null, undefined, NaN])
      expect([value, isTruthy(value)]).toEqual([value, false]);
    for (const value of [true, 1, -1, 'false', '0', ' ', [], {}, Infinity])
      expect([value, isTruthy(value)]).toEqual([value, true]);
  });
});

describe('stringifyValue', () => {
  it('writes values as GitHub does', () => {
    expect([null, undefined, true, false, 0, -0, 1.5, 'x', [1, 'a'], { a: null }].map(stringifyValue)).toEqual([
      '',
      '',
      'true',
      'false',
      '0',
      '0',
      '1.5',
      'x',
      '[1,"a"]',
      '{"a":null}',
    ]);
  });
});

describe('suggestName', () => {
  it('finds close names, spelling variants and swapped letters', () => {
    expect(suggestName('imagee', ['image', 'pull'])).toBe('image');
    expect(suggestName('allow_failure', ['allowFailure', 'retry'])).toBe('allowFailure');
    expect(suggestName('matrx', ['env', 'matrix', 'git'])).toBe('matrix');
    expect(suggestName('tset', ['build', 'test'])).toBe('test');
    expect(suggestName('Image', ['image'])).toBe('image');
  });

  it('suggests nothing far off, and not the name itself', () => {
    expect(suggestName('github', ['env', 'matrix', 'git', 'jobs'])).toBeUndefined();
    expect(suggestName('x', ['yy', 'zz'])).toBeUndefined();
    expect(suggestName('image', ['image'])).toBeUndefined();
  });
});
