import { describe, expect, it } from 'vitest';
import { commonDirectory } from '../../../../packages/engine/src/exec/docker/file-archives.js';

describe('commonDirectory (upload-artifact v4 strips the least common ancestor)', () => {
  it('takes a single directory as its own contents and a single file as its parent', () => {
    expect(commonDirectory(['dist'], new Set(['dist']))).toBe('dist');
    expect(commonDirectory(['out/bin/app'], new Set())).toBe('out/bin');
    expect(commonDirectory(['report.txt'], new Set())).toBe('');
  });

  it('keeps only the shared leading directories of several paths', () => {
    expect(commonDirectory(['a/b', 'a/c/x.txt'], new Set(['a/b']))).toBe('a');
    expect(commonDirectory(['a/b', 'ab/c'], new Set(['a/b', 'ab/c']))).toBe('');
    expect(commonDirectory(['dist', 'out/x.txt'], new Set(['dist']))).toBe('');
  });
});
