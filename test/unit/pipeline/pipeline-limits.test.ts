import { describe, expect, it } from 'vitest';
import { countJobKeys, findTooDeep } from '../../../packages/engine/src/pipeline/pipeline-limits.js';

describe('findTooDeep', () => {
  it('counts block levels by indentation and "- " entries', () => {
    expect(findTooDeep('a:\n  b:\n    c: 1\n', 3)).toBeUndefined();
    expect(findTooDeep('a:\n  b:\n    c:\n      d: 1\n', 3)).toEqual({ line: 4, col: 7 });
    expect(findTooDeep('a:\n  - - - x\n', 3)).toEqual({ line: 2, col: 3 });
  });

  it('skips block scalars, however their text is indented, and brackets in quotes and comments', () => {
    const script = 'run: |\n' + Array.from({ length: 10 }, (_, i) => `${' '.repeat(2 + i * 2)}line ${i}\n`).join('');
    expect(findTooDeep(`${script}next: 1\n`, 3)).toBeUndefined();
    expect(findTooDeep('a: "[[[[[["\nb: 1 # {{{{{{\n', 3)).toBeUndefined();
    expect(findTooDeep('a: [[[[1]]]]\n', 3)).toEqual({ line: 1, col: 6 });
  });
});

describe('countJobKeys', () => {
  it('counts the keys of the block mapping under jobs:, not their contents', () => {
    const text =
      'name: x\njobs:\n  a:\n    image: i\n    steps:\n      - run: x\n\n  # note\n  b:\n    image: i\nstages: [a]\n';
    expect(countJobKeys(text)).toEqual({ count: 2, line: 2 });
    expect(countJobKeys('jobs: { a: {}, b: {} }\n').count).toBe(0);
  });
});
