import { matrixKeywords, type MatrixSpec, type Scalar } from '../pipeline/pipeline-schema.js';

export type MatrixCell = Record<string, Scalar>;

/** GitHub Actions' limit; a bigger matrix is almost always a mistake. */
export const maxMatrixCells = 256;

/**
 * How many cells the axes make before `exclude` and `include` (Infinity past 2^53): computed without expanding,
 * so that a matrix of 10^8 cells is refused at once. Planning expands at most `maxMatrixCells` × 16 cells.
 */
export function matrixProduct(matrix: MatrixSpec | undefined): number {
  if (!matrix) return 1;
  let product = 1;
  for (const [name, values] of Object.entries(matrix)) {
    if (matrixKeywords.includes(name)) continue;
    product *= (values as Scalar[]).length;
    if (product > Number.MAX_SAFE_INTEGER) return Infinity;
  }
  return product + (matrix.include?.length ?? 0);
}

/** The most cells planning expands before excludes are applied (16 × the limit on what remains). */
export const maxMatrixProduct = maxMatrixCells * 16;

/**
 * Cartesian product of the axes, minus `exclude` entries (an entry removes every cell it matches on all its
 * keys), plus `include` entries: one that matches a cell on every original axis it names extends that cell,
 * any other is added as a cell of its own (GitHub Actions' rules, simplified to whole-entry matching).
 */
export function expandMatrix(matrix: MatrixSpec | undefined): MatrixCell[] {
  if (!matrix) return [{}];
  const { include = [], exclude = [], failFast: _failFast, maxParallel: _maxParallel, ...axes } = matrix;
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
