/** Where a job's box goes: its column (the longest chain of needs before it) and its row in that column. */
export interface DagNode {
  id: string;
  column: number;
  row: number;
}

export interface DagLayout {
  nodes: DagNode[];
  /** need → job, both placed. */
  edges: { from: string; to: string }[];
  columns: number;
  rows: number;
}

/**
 * Lays a run's DAG out left to right: a job sits one column after the furthest of the jobs it needs, jobs keep
 * the pipeline's order within a column. Needs on jobs that are not in `jobs` are ignored; a cycle (which the
 * planner refuses) cannot loop here.
 */
export function layoutDag(jobs: readonly string[], needs: Readonly<Record<string, readonly string[]>>): DagLayout {
  const known = new Set(jobs);
  const column = new Map<string, number>();
  const visiting = new Set<string>();
  const columnOf = (id: string): number => {
    const done = column.get(id);
    if (done !== undefined) return done;
    if (visiting.has(id)) return 0;
    visiting.add(id);
    const before = (needs[id] ?? []).filter((need) => known.has(need)).map(columnOf);
    const value = before.length === 0 ? 0 : Math.max(...before) + 1;
    visiting.delete(id);
    column.set(id, value);
    return value;
  };
  const rowsUsed = new Map<number, number>();
  const nodes = jobs.map((id) => {
    const col = columnOf(id);
    const row = rowsUsed.get(col) ?? 0;
    rowsUsed.set(col, row + 1);
    return { id, column: col, row };
  });
  const edges = jobs.flatMap((id) =>
    (needs[id] ?? []).filter((need) => known.has(need)).map((need) => ({ from: need, to: id })),
  );
  return {
    nodes,
    edges,
    columns: nodes.reduce((most, node) => Math.max(most, node.column + 1), 0),
    rows: Math.max(0, ...rowsUsed.values()),
  };
}
