import { textOf } from './text-of.js';
import type { ImportReport, Source, SourcePath } from './read-source.js';

type Cell = Record<string, unknown>;
const isScalar = (value: unknown): boolean => ['string', 'number', 'boolean'].includes(typeof value);

export interface TranslatedMatrix {
  matrix?: Record<string, unknown>;
  /** Axes whose values were mappings, flattened to `<axis>_<key>`: `matrix.a.b` reads `matrix.a_b`. */
  flatAxes: string[];
  /** The job has no cell left (every cell was non-Linux) or its matrix is computed at run time. */
  dropJob?: string;
}

/**
 * `strategy.matrix` as Ferry's matrix. Scalar matrices keep their axes, include and exclude; one with
 * mapping values is expanded here (GitHub's include rules) into include-only cells with flattened keys.
 * Cells whose `runs-on` axis is not Linux are removed.
 */
export function translateMatrix(
  strategy: Record<string, unknown>,
  osAxis: string | undefined,
  source: Source,
  report: ImportReport,
  at: SourcePath,
): TranslatedMatrix {
  const raw = strategy.matrix;
  if (raw === undefined) return { flatAxes: [] };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { flatAxes: [], dropJob: `its matrix is computed at run time (${textOf(raw)}), which Ferry cannot expand` };
  }
  const spec = raw as Record<string, unknown>;
  const axes: Record<string, unknown[]> = {};
  for (const [key, value] of Object.entries(spec)) {
    if (key === 'include' || key === 'exclude') continue;
    if (!Array.isArray(value)) {
      return { flatAxes: [], dropJob: `matrix axis ${key} is computed at run time (${textOf(value)})` };
    }
    axes[key] = value;
  }
  let include = Array.isArray(spec.include)
    ? (spec.include as Cell[])
    : typeof spec.include === 'string'
      ? undefined
      : [];
  let exclude = Array.isArray(spec.exclude) ? (spec.exclude as Cell[]) : [];
  if (include === undefined) return { flatAxes: [], dropJob: 'matrix include is computed at run time' };

  if (osAxis !== undefined) {
    const notLinux = (value: unknown): boolean => typeof value === 'string' && /windows|macos|mac-|osx/i.test(value);
    const removed = new Set<string>();
    if (axes[osAxis]) {
      for (const value of axes[osAxis]) if (notLinux(value)) removed.add(textOf(value));
      axes[osAxis] = axes[osAxis].filter((value) => !notLinux(value));
    }
    include = include.filter((cell) => {
      if (!notLinux(cell[osAxis])) return true;
      removed.add(textOf(cell[osAxis]));
      // An entry that extends cells of the axes (its runner is not an axis) moves them to its runner: they go too.
      const extended = Object.entries(cell).filter(([key]) => key in axes);
      const fits = extended.every(([key, value]) => axes[key]?.some((axisValue) => same(axisValue, value)));
      if (!(osAxis in axes) && extended.length > 0 && fits) exclude = [...exclude, Object.fromEntries(extended)];
      return false;
    });
    if (removed.size > 0) {
      report.add(
        'dropped',
        source,
        at,
        `matrix cells on ${[...removed].join(', ')} are dropped: Ferry runs Linux containers`,
        true,
      );
    }
    if (axes[osAxis]?.length === 0) {
      delete axes[osAxis];
      if (Object.keys(axes).length === 0 && include.length === 0)
        return { flatAxes: [], dropJob: 'every matrix cell runs on Windows or macOS' };
    }
  }

  const flatAxes = new Set<string>();
  const hasMappings =
    Object.values(axes).some((values) => values.some((value) => !isScalar(value))) ||
    [...include, ...exclude].some((cell) => Object.values(cell).some((value) => !isScalar(value)));
  const out: Record<string, unknown> = {};
  if (!hasMappings) {
    Object.assign(out, axes);
    if (include.length > 0) out.include = include;
    if (exclude.length > 0) out.exclude = exclude;
  } else {
    out.include = expand(axes, include, exclude).map((cell) => flatten(cell, flatAxes));
  }
  if (strategy['fail-fast'] !== undefined)
    out.failFast = strategy['fail-fast'] === true || strategy['fail-fast'] === 'true';
  if (strategy['max-parallel'] !== undefined && Number.isFinite(Number(strategy['max-parallel']))) {
    out.maxParallel = Number(strategy['max-parallel']);
  }
  const hasCells = Object.keys(axes).length > 0 || include.length > 0;
  return { ...(hasCells ? { matrix: out } : {}), flatAxes: [...flatAxes] };
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** GitHub's expansion: the product of the axes, minus excludes, then each include merged or added. */
function expand(axes: Record<string, unknown[]>, include: Cell[], exclude: Cell[]): Cell[] {
  let cells: Cell[] = [{}];
  for (const [axis, values] of Object.entries(axes)) {
    cells = cells.flatMap((cell) => values.map((value) => ({ ...cell, [axis]: value })));
  }
  if (Object.keys(axes).length === 0) cells = [];
  cells = cells.filter(
    (cell) => !exclude.some((rule) => Object.entries(rule).every(([key, value]) => same(cell[key], value))),
  );
  const original = cells.map((cell) => ({ ...cell }));
  for (const entry of include) {
    let merged = false;
    original.forEach((base, index) => {
      const fits = Object.entries(entry).every(([key, value]) => !(key in axes) || same(base[key], value));
      if (fits) {
        cells[index] = { ...cells[index], ...entry };
        merged = true;
      }
    });
    if (!merged) cells.push({ ...entry });
  }
  return cells;
}

function flatten(cell: Cell, flatAxes: Set<string>): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(cell)) {
    if (isScalar(value)) out[key] = value as string | number | boolean;
    else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      flatAxes.add(key);
      for (const [inner, innerValue] of Object.entries(value)) {
        out[`${key}_${inner}`] = isScalar(innerValue) ? (innerValue as string) : JSON.stringify(innerValue);
      }
    } else out[key] = JSON.stringify(value);
  }
  return out;
}
