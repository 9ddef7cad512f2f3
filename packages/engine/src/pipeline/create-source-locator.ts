import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  type Document,
  type LineCounter,
  type Node,
  type Pair,
  type YAMLMap,
} from 'yaml';
import type { PathSegment, PendingIssue } from './pipeline-issue.js';

export interface SourcePosition {
  line: number;
  col: number;
}

interface Entry {
  key: Node | null;
  value: Node | null;
}

/**
 * Maps a pending issue to 1-based line:col in the YAML source by walking the document along the issue's
 * path (through aliases and `<<` merges). When the path goes further than the document (a missing key),
 * the deepest node found stands in.
 */
export function createSourceLocator(
  doc: Document,
  lineCounter: LineCounter,
  text: string,
): (issue: PendingIssue) => SourcePosition {
  const at = (offset: number): SourcePosition => lineCounter.linePos(offset);
  const start = (node: Node | null): number | undefined => node?.range?.[0];

  return (issue) => {
    const entries = resolve(doc, issue.path);
    const complete = entries.length === issue.path.length + 1;
    const deepest = entries[entries.length - 1] as Entry;
    const fallback = at(start(deepest.key) ?? start(deepest.value) ?? 0);

    if (issue.at === 'parent') {
      const parent = entries[Math.min(entries.length, issue.path.length) - 1] as Entry;
      return at(start(parent.key) ?? start(parent.value) ?? 0);
    }
    if (!complete) return fallback;
    if (issue.at === 'key') return at(start(deepest.key) ?? start(deepest.value) ?? 0);
    const value = deepest.value;
    if (!value || !value.range || (isScalar(value) && value.value === null && value.range[0] === value.range[1]))
      return fallback;
    if (issue.focus) {
      const offset = focusOffset(text.slice(value.range[0], value.range[1]), issue.focus);
      if (offset !== undefined) return at(value.range[0] + offset);
    }
    return at(value.range[0]);
  };
}

/** The entries from the root along `path`, as far as the document goes. */
function resolve(doc: Document, path: readonly PathSegment[]): Entry[] {
  const entries: Entry[] = [{ key: null, value: doc.contents }];
  let node: Node | null = doc.contents;
  for (const segment of path) {
    node = deref(doc, node);
    let next: Entry | undefined;
    if (isMap(node)) {
      const pair = findPair(doc, node, String(segment), new Set());
      if (pair) next = { key: pair.key as Node, value: (pair.value as Node | null) ?? null };
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as Node | undefined;
      if (item) next = { key: null, value: item };
    }
    if (!next) break;
    entries.push(next);
    node = next.value;
  }
  return entries;
}

function findPair(doc: Document, map: YAMLMap, key: string, seen: Set<Node>): Pair | undefined {
  if (seen.has(map)) return undefined;
  seen.add(map);
  const pairs = map.items;
  const own = pairs.find(
    (pair) => isScalar(pair.key) && typeof pair.key.value !== 'symbol' && String(pair.key.value) === key,
  );
  if (own) return own;
  for (const pair of pairs) {
    if (!isScalar(pair.key) || (typeof pair.key.value !== 'symbol' && pair.key.source !== '<<')) continue;
    const merged = deref(doc, (pair.value as Node | null) ?? null);
    const sources = isSeq(merged) ? (merged.items as Node[]).map((item) => deref(doc, item)) : [merged];
    for (const source of sources) {
      const found = isMap(source) ? findPair(doc, source, key, seen) : undefined;
      if (found) return found;
    }
  }
  return undefined;
}

function deref(doc: Document, node: Node | null): Node | null {
  return isAlias(node) ? ((node.resolve(doc) as Node | undefined) ?? null) : node;
}

/**
 * Where `focus.offset` of the string value lands in the scalar's source text. Tries, in order, windows of
 * the value around the offset that may appear verbatim in the source: the whole value, the `${{ … }}`
 * holding the offset, and its line (block scalars keep lines). Undefined when escapes or folding hide all.
 */
function focusOffset(source: string, focus: { text: string; offset: number }): number | undefined {
  const { text, offset } = focus;
  const open = text.lastIndexOf('${{', offset);
  const close = open < 0 ? -1 : text.indexOf('}}', open);
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const lineEnd = text.indexOf('\n', offset);
  const windows: Array<[number, number]> = [
    [0, text.length],
    ...(open >= 0 ? [[open, close < 0 ? text.length : close + 2] as [number, number]] : []),
    [lineStart, lineEnd < 0 ? text.length : lineEnd],
  ];
  for (const [from, to] of windows) {
    const window = text.slice(from, to);
    if (window.trim() === '' || offset < from || offset > to) continue;
    const found = source.indexOf(window);
    if (found >= 0) return found + offset - from;
  }
  return undefined;
}
