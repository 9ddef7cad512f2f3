import type { MatrixSpec, Scalar } from '../pipeline/pipeline-schema.js';

export type MatrixCell = Record<string, Scalar>;

/** GitHub Actions' limit; a bigger matrix is almost always a mistake. */
export const maxMatrixCells = 256;

/**
 * Cartesian product of the axes, minus `exclude` entries (an entry removes every cell it matches on all its
 * keys), plus `include` entries: one that matches a cell on every original axis it names extends that cell,
 * any other is added as a cell of its own (GitHub Actions' rules, simplified to whole-entry matching).
 */
export function expandMatrix(matrix: MatrixSpec | undefined): MatrixCell[] {
  if (!matrix) return [{}];
  const { include = [], exclude = [], ...axes } = matrix;
  const axisNames = Object.keys(axes);
  let cells: MatrixCell[] = [{}];
  for (const name of axisNames) {
    const values = axes[name] as Scalar[];
    cells = cells.flatMap((cell) => values.map((value) => ({ ...cell, [name]: value })));
  }
  if (axisNames.length === 0) cells = [];
  cells = cells.filter((cell) => !exclude.some((entry) => matches(cell, entry)));
  for (const entry of include) {
    const onAxes = Object.fromEntries(Object.entries(entry).filter(([key]) => axisNames.includes(key)));
    const extended = Object.keys(onAxes).length > 0 ? cells.filter((cell) => matches(cell, onAxes)) : [];
    if (extended.length > 0) {
      for (const cell of extended) Object.assign(cell, entry);
    } else {
      cells.push({ ...entry });
    }
  }
  return cells.length > 0 ? cells : [{}];
}

function matches(cell: MatrixCell, entry: MatrixCell): boolean {
  return Object.entries(entry).every(([key, value]) => cell[key] === value);
}

/** `test` for the empty cell, `test (node=20, os=linux)` otherwise. */
export function jobRunId(jobId: string, cell: MatrixCell): string {
  const parts = Object.entries(cell).map(([key, value]) => `${key}=${String(value)}`);
  return parts.length === 0 ? jobId : `${jobId} (${parts.join(', ')})`;
}
