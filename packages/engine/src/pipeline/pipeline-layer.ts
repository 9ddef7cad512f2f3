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
 * GitLab's deep merge: mappings are merged key by key, recursively; anything else (lists included) in `over`
 * replaces what `base` has. `over` wins: a path it holds comes from it, any other from `base`.
 */
export function mergeLayers(base: PipelineLayer, over: PipelineLayer): PipelineLayer {
  return {
    data: deepMerge(base.data, over.data),
    originAt: (path) =>
      depthIn(over.data, path) >= depthIn(base.data, path) ? over.originAt(path) : base.originAt(path),
  };
}

/** The layer without the top-level `keys` (those that are not pipeline content, such as `extends`). */
export function withoutKeys(layer: PipelineLayer, keys: readonly string[]): PipelineLayer {
  const record = asRecord(layer.data);
  if (!record || !keys.some((key) => Object.hasOwn(record, key))) return layer;
  const data = Object.fromEntries(Object.entries(record).filter(([key]) => !keys.includes(key)));
  return { data, originAt: (path) => layer.originAt(path) };
}

export function deepMerge(base: unknown, over: unknown): unknown {
  const a = asRecord(base);
  const b = asRecord(over);
  if (!a || !b) return over === undefined ? base : over;
  const merged: Record<string, unknown> = { ...a };
  for (const [key, value] of Object.entries(b)) {
    merged[key] = Object.hasOwn(a, key) ? deepMerge(a[key], value) : value;
  }
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
