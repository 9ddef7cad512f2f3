/**
 * Returns one cycle as a path that starts and ends with the same node, or undefined when the graph is acyclic.
 * Iterative depth-first search (an explicit stack), so a chain of thousands of jobs cannot overflow the call stack.
 */
export function findCycle(edges: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  for (const start of [...edges.keys()].sort()) {
    if (state.has(start)) continue;
    const path: string[] = [start];
    const nextIndex: number[] = [0];
    state.set(start, 'visiting');
    while (path.length > 0) {
      const depth = path.length - 1;
      const node = path[depth] as string;
      const targets = edges.get(node) ?? [];
      const index = nextIndex[depth] as number;
      if (index >= targets.length) {
        state.set(node, 'done');
        path.pop();
        nextIndex.pop();
        continue;
      }
      nextIndex[depth] = index + 1;
      const next = targets[index] as string;
      if (!edges.has(next)) continue;
      const seen = state.get(next);
      if (seen === 'visiting') return [...path.slice(path.indexOf(next)), next];
      if (seen === 'done') continue;
      state.set(next, 'visiting');
      path.push(next);
      nextIndex.push(0);
    }
  }
  return undefined;
}

/** Kahn's algorithm, ties broken by the given order so the result is stable. Assumes no cycle. */
export function topologicalOrder(nodes: readonly string[], needs: ReadonlyMap<string, readonly string[]>): string[] {
  const known = new Set(nodes);
  const remaining = new Map(nodes.map((node) => [node, (needs.get(node) ?? []).filter((n) => known.has(n)).length]));
  const dependents = new Map<string, string[]>();
  for (const node of nodes)
    for (const need of needs.get(node) ?? []) {
      const list = dependents.get(need);
      if (list) list.push(node);
      else dependents.set(need, [node]);
    }
  const order: string[] = [];
  const ready = nodes.filter((node) => remaining.get(node) === 0);
  for (let head = 0; head < ready.length; head++) {
    const node = ready[head] as string;
    order.push(node);
    for (const dependent of dependents.get(node) ?? []) {
      const left = (remaining.get(dependent) ?? 0) - 1;
      remaining.set(dependent, left);
      if (left === 0) ready.push(dependent);
    }
  }
  return order;
}
