import { asRecord } from './check-semantics.js';
import type { PathSegment } from './pipeline-issue.js';

/** Where a value of the composed pipeline was written: a file (as issues name it) and the path inside it. */
export interface Origin {
  file: string;
  path: PathSegment[];
}

/**
 * Pipeline data together with where each of its values came from. Includes and `extends` merge layers; an issue
 * found on the merged data is placed through `originAt`, in the file and at the path that wrote the value.
 * Layers are immutable: merging builds new mappings and shares the rest.
 */
export interface PipelineLayer {
  data: unknown;
  /** For a path the data does not hold, the origin of its deepest existing part, with the rest appended. */
  originAt(path: readonly PathSegment[]): Origin;
}

/** A whole file's data: every path is its own. */
export function fileLayer(file: string, data: unknown): PipelineLayer {
  return { data, originAt: (path) => ({ file, path: [...path] }) };
}

/** The part of `layer` under `prefix`, as a layer of its own. */
export function subLayer(layer: PipelineLayer, prefix: readonly PathSegment[]): PipelineLayer {
  return { data: valueAt(layer.data, prefix), originAt: (path) => layer.originAt([...prefix, ...path]) };
}

/**
 * GitLab's deep merge of `layers`, each over the ones before it: mappings are merged key by key, recursively;
 * anything else (lists included) replaces what earlier layers have. A path comes from the latest layer that
 * goes deepest along it. All layers are merged in one pass, so merging n files costs their size, not n times it.
 */
export function mergeLayers(layers: readonly PipelineLayer[], work?: MergeWork): PipelineLayer {
  if (layers.length === 1) return layers[0] as PipelineLayer;
  return {
    data: deepMerge(
      layers.map((layer) => layer.data),
      work,
    ),
    originAt: (path) => {
      let best = layers[0] as PipelineLayer;
      let bestDepth = -2;
      for (const layer of layers) {
        const depth = depthIn(layer.data, path);
        if (depth >= bestDepth) [best, bestDepth] = [layer, depth];
      }
      return best.originAt(path);
    },
  };
}

/** The layer without the top-level `keys` (those that are not pipeline content, such as `extends`). */
export function withoutKeys(layer: PipelineLayer, keys: readonly string[]): PipelineLayer {
  const record = asRecord(layer.data);
  if (!record || !keys.some((key) => Object.hasOwn(record, key))) return layer;
  const data = Object.fromEntries(Object.entries(record).filter(([key]) => !keys.includes(key)));
  return { data, originAt: (path) => layer.originAt(path) };
}

/** Counts the keys merging copied, for a caller that bounds the work (a merge copies the mappings it changes). */
export interface MergeWork {
  copied: number;
}

/** The values merged, later over earlier (undefined ones skipped): mappings key by key, anything else replaces. */
export function deepMerge(values: readonly unknown[], work?: MergeWork): unknown {
  const present = values.filter((value) => value !== undefined);
  // What the last value that is not a mapping replaced is out of the merge.
  let first = present.length - 1;
  while (first > 0 && asRecord(present[first]) && asRecord(present[first - 1])) first -= 1;
  const records = present.slice(first).map(asRecord);
  if (records.length <= 1 || records.some((record) => !record)) return present[present.length - 1];
  const byKey = new Map<string, unknown[]>();
  for (const record of records as Record<string, unknown>[]) {
    const entries = Object.entries(record);
    if (work) work.copied += entries.length;
    for (const [key, value] of entries) {
      const list = byKey.get(key);
      if (list) list.push(value);
      else byKey.set(key, [value]);
    }
  }
  const merged: Record<string, unknown> = {};
  for (const [key, list] of byKey) merged[key] = list.length === 1 ? list[0] : deepMerge(list, work);
  return merged;
}

export function valueAt(data: unknown, path: readonly PathSegment[]): unknown {
  let current = data;
  for (const segment of path) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<PathSegment, unknown>)[segment];
  }
  return current;
}

/** How many segments of `path` the data holds (the root counts 0; undefined data holds nothing, -1). */
function depthIn(data: unknown, path: readonly PathSegment[]): number {
  if (data === undefined) return -1;
  let current: unknown = data;
  let depth = 0;
  for (const segment of path) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, segment)) return depth;
    current = (current as Record<PathSegment, unknown>)[segment];
    depth += 1;
  }
  return depth;
}
