import { describe, expect, it } from 'vitest';
import { findCycle, topologicalOrder } from '../../../packages/engine/src/plan/find-cycle.js';

describe('findCycle', () => {
  it('finds a cycle as a closed path and nothing in an acyclic graph', () => {
    expect(
      findCycle(
        new Map([
          ['a', ['b']],
          ['b', ['c']],
          ['c', ['a']],
        ]),
      ),
    ).toEqual(['a', 'b', 'c', 'a']);
    expect(
      findCycle(
        new Map([
          ['a', ['b']],
          ['b', []],
          ['c', ['a', 'b']],
        ]),
      ),
    ).toBeUndefined();
    expect(findCycle(new Map([['a', ['a']]]))).toEqual(['a', 'a']);
  });

  it('ignores edges to unknown nodes', () => {
    expect(findCycle(new Map([['a', ['missing']]]))).toBeUndefined();
  });

  it('walks a 6,000-job reversed needs chain without overflowing the stack', () => {
    const count = 6000;
    const edges = new Map<string, string[]>();
    for (let index = 0; index < count; index++) edges.set(`job${index}`, index === 0 ? [] : [`job${index - 1}`]);
    expect(findCycle(edges)).toBeUndefined();
    edges.set('job0', [`job${count - 1}`]);
    const cycle = findCycle(edges);
    expect(cycle?.length).toBe(count + 1);
    expect(cycle?.[0]).toBe(cycle?.at(-1));
    const order = topologicalOrder(
      [...edges.keys()].reverse(),
      new Map([...edges].map(([k, v]) => [k, k === 'job0' ? [] : v])),
    );
    expect(order[0]).toBe('job0');
    expect(order.at(-1)).toBe(`job${count - 1}`);
  });
});
