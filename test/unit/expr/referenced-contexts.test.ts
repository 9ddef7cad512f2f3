import { describe, expect, it } from 'vitest';
import {
  collectReferences,
  parseExpressionOrThrow,
  referencedContexts,
} from '../../../packages/engine/src/expr/index.js';

const sorted = (names: Set<string>) => [...names].sort();

describe('referencedContexts', () => {
  it('lists the top-level names an expression reads', () => {
    expect(sorted(referencedContexts("jobs.build.outputs.digest != '' && matrix.os == 'linux'"))).toEqual([
      'jobs',
      'matrix',
    ]);
    expect(sorted(referencedContexts("contains(env.LIST, git.branch) || 'x'"))).toEqual(['env', 'git']);
    expect(sorted(referencedContexts('1 == 1'))).toEqual([]);
  });

  it('reads templates, and adds status for the status functions', () => {
    expect(sorted(referencedContexts('echo ${{ secrets.TOKEN }} ${{ matrix[env.AXIS] }}'))).toEqual([
      'env',
      'matrix',
      'secrets',
    ]);
    expect(sorted(referencedContexts('${{ failure() && git.tag }}'))).toEqual(['git', 'status']);
    expect(sorted(referencedContexts('always()'))).toEqual([]);
    expect(sorted(referencedContexts('plain text', 'template'))).toEqual([]);
  });

  it('throws EXPR_SYNTAX for a malformed expression', () => {
    expect(() => referencedContexts('a ==')).toThrow(expect.objectContaining({ code: 'EXPR_SYNTAX' }));
  });
});

describe('collectReferences', () => {
  it('returns the longest static chains and the functions called', () => {
    const refs = collectReferences(
      parseExpressionOrThrow("format('{0}', jobs.build.outputs['digest'], matrix[env.K].x, fromJSON(env.J).y)"),
    );
    expect(refs.reads.map((read) => read.path.join('.'))).toEqual([
      'jobs.build.outputs.digest',
      'env.K',
      'matrix',
      'env.J',
    ]);
    expect([...refs.calls]).toEqual(['format', 'fromJSON']);
  });

  it('records where each read is in the source', () => {
    const refs = collectReferences(parseExpressionOrThrow('  matrix.os == 1'));
    expect(refs.reads).toEqual([{ path: ['matrix', 'os'], start: 2, end: 11 }]);
  });
});
