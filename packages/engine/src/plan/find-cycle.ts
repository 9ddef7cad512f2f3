/** Returns one cycle as a path that starts and ends with the same node, or undefined when the graph is acyclic. */
export function findCycle(edges: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    const seen = state.get(node);
    if (seen === 'done') return undefined;
    if (seen === 'visiting') return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, 'visiting');
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      if (!edges.has(next)) continue;
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of [...edges.keys()].sort()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

/** Kahn's algorithm, ties broken by the given order so the result is stable. Assumes no cycle. */
export function topologicalOrder(nodes: readonly string[], needs: ReadonlyMap<string, readonly string[]>): string[] {
  const remaining = new Map(
    nodes.map((node) => [node, (needs.get(node) ?? []).filter((n) => nodes.includes(n)).length]),
  );
  const dependents = new Map<string, string[]>();
  for (const node of nodes)
    for (const need of needs.get(node) ?? []) dependents.set(need, [...(dependents.get(need) ?? []), node]);
  const order: string[] = [];
  const ready = nodes.filter((node) => remaining.get(node) === 0);
  while (ready.length > 0) {
    const node = ready.shift() as string;
    order.push(node);
    for (const dependent of dependents.get(node) ?? []) {
      const left = (remaining.get(dependent) ?? 0) - 1;
      remaining.set(dependent, left);
      if (left === 0) ready.push(dependent);
    }
  }
  return order;
}
