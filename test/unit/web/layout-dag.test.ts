import { describe, expect, it } from 'vitest';
import { layoutDag } from '../../../packages/web/src/layout-dag.js';

describe('layoutDag', () => {
  it('puts each job one column after the furthest job it needs', () => {
    const layout = layoutDag(['build', 'lint', 'test', 'ship'], {
      test: ['build'],
      ship: ['test', 'lint'],
    });
    expect(layout.nodes).toEqual([
      { id: 'build', column: 0, row: 0 },
      { id: 'lint', column: 0, row: 1 },
      { id: 'test', column: 1, row: 0 },
      { id: 'ship', column: 2, row: 0 },
    ]);
    expect(layout.edges).toEqual([
      { from: 'build', to: 'test' },
      { from: 'test', to: 'ship' },
      { from: 'lint', to: 'ship' },
    ]);
    expect([layout.columns, layout.rows]).toEqual([3, 2]);
  });

  it('ignores needs on jobs it does not show and survives a cycle', () => {
    const layout = layoutDag(['a', 'b'], { a: ['b', 'gone'], b: ['a'] });
    expect(layout.edges).toEqual([
      { from: 'b', to: 'a' },
      { from: 'a', to: 'b' },
    ]);
    expect(layout.nodes.map((node) => node.id)).toEqual(['a', 'b']);
  });
});
