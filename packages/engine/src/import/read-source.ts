import { textOf } from './text-of.js';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import type { ImportEntry } from './import-types.js';

export type SourcePath = readonly (string | number)[];

/** A CI file parsed with positions: its data, and the line of any path in it. */
export interface Source {
  file: string;
  data: unknown;
  /** 1-based line of the key (or item) at `path`; the deepest existing node's when the path goes further. */
  lineOf(path: SourcePath): number;
  /** YAML syntax errors, each at its line. */
  errors: { line: number; message: string }[];
}

/** GitLab's `!reference [job, key]` becomes `{ '!reference': [job, key] }`, resolved after includes. */
export const referenceKey = '!reference';

export function readSource(text: string, file: string): Source {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: true, uniqueKeys: false });
  const errors = doc.errors.map((error) => ({
    line: lineCounter.linePos(error.pos[0]).line,
    message: error.message.split('\n')[0] ?? error.message,
  }));
  visit(doc, {
    Seq(_, node) {
      if (node.tag === referenceKey) return doc.createNode({ [referenceKey]: node.toJSON() });
      return undefined;
    },
  });
  let data: unknown = null;
  if (errors.length === 0) {
    try {
      data = doc.toJS({ maxAliasCount: 10_000 });
    } catch (error) {
      errors.push({ line: 1, message: (error as Error).message });
    }
  }
  return { file, data, errors, lineOf: (path) => lineOfPath(doc, lineCounter, path) };
}

function lineOfPath(doc: Document, lineCounter: LineCounter, path: SourcePath): number {
  let node: Node | null = doc.contents;
  let offset = node?.range?.[0] ?? 0;
  for (const segment of path) {
    if (node && isAlias(node)) node = (node.resolve(doc) as Node | undefined) ?? null;
    if (node && isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && textOf(item.key.value) === textOf(segment));
      if (!pair) break;
      offset = (pair.key as Node).range?.[0] ?? offset;
      node = (pair.value as Node | null) ?? null;
    } else if (node && isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as Node | undefined;
      if (!item) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else break;
  }
  return lineCounter.linePos(offset).line;
}

/** Collects report entries for one source file. */
export class ImportReport {
  readonly entries: ImportEntry[] = [];

  add(kind: ImportEntry['kind'], source: Source, path: SourcePath, message: string, nonLinux?: boolean): void {
    const entry: ImportEntry = { kind, message, file: source.file, line: source.lineOf(path) };
    if (nonLinux) entry.nonLinux = true;
    this.entries.push(entry);
  }
}
