import { isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

/**
 * What a pipeline file may hold (docs/pipeline.md, "Limits"). GitLab's defaults are the model (2 MB per file, a
 * YAML depth of 100); the job count is far above what real pipelines use and far below what makes validation
 * slow. A file past any of them is refused with SPEC_LIMIT before the work it would cost is done.
 */
export const pipelineLimits = {
  fileBytes: 2 * 1024 * 1024,
  /** Nesting of YAML blocks and flow collections. */
  depth: 64,
  jobs: 1000,
  /** Files one pipeline may include, nested ones counted (GitLab's default limit). */
  includes: 150,
  /** The pipeline file and the files it includes, together. */
  includeBytes: 10 * 1024 * 1024,
  /** Keys copied while merging included files into the files that include them (nesting multiplies it). */
  mergedValues: 1_000_000,
  /** All the values of the jobs once `extends` copied templates into them: each copy is validated and planned. */
  resolvedNodes: 250_000,
} as const;

/** The values (mappings, lists, scalars) in `data`, counting up to a little past `budget` and no further. */
export function countNodes(data: unknown, budget: number): number {
  let count = 0;
  const stack: unknown[] = [data];
  while (stack.length > 0 && count <= budget) {
    const node = stack.pop();
    count += 1;
    if (typeof node === 'object' && node !== null) for (const value of Object.values(node)) stack.push(value);
  }
  return count;
}

/** The message of a file over the size limit (parsePipeline's, and the webhook server's before it reads one). */
export function fileSizeMessage(bytes: number): string | undefined {
  if (bytes <= pipelineLimits.fileBytes) return undefined;
  return `the file is ${(bytes / 1024 / 1024).toFixed(1)} MB, more than the limit of ${pipelineLimits.fileBytes / 1024 / 1024} MB`;
}

/** The message of a pipeline with more jobs than the limit. */
export function jobCountMessage(count: number): string | undefined {
  if (count <= pipelineLimits.jobs) return undefined;
  return `${count} jobs, more than the limit of ${pipelineLimits.jobs} per pipeline`;
}

/**
 * The line and column where the text nests deeper than `max`, or undefined. A scan of the text, not a parse:
 * the YAML parser itself recurses per level and would overflow the stack first. Block nesting is counted by
 * indentation (and `- ` entries), flow nesting by brackets outside quotes; block scalars (`|`, `>`) are skipped.
 * It can over-count only text that is deeply indented already, never under-count a real nesting.
 */
export function findTooDeep(text: string, max: number): { line: number; col: number } | undefined {
  const indents: number[] = [];
  let flow = 0;
  let scalarIndent = -1;
  let line = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    line += 1;
    const content = text.slice(start, end);
    start = end + 1;
    let indent = 0;
    while (indent < content.length && content.charCodeAt(indent) === 32) indent += 1;
    const rest = content.slice(indent);
    if (rest === '' || rest.startsWith('#')) continue;
    if (scalarIndent >= 0) {
      if (indent > scalarIndent) continue;
      scalarIndent = -1;
    }
    if (flow === 0) {
      while (indents.length > 0 && (indents.at(-1) as number) >= indent) indents.pop();
      indents.push(indent);
      let dashes = 0;
      while (rest.startsWith('- ', dashes * 2)) dashes += 1;
      if (indents.length + dashes > max) return { line, col: indent + 1 };
      if (/[|>][-+0-9]*\s*(#.*)?$/.test(rest) && /(^|[:-]\s+)[|>]/.test(rest)) scalarIndent = indent;
    }
    let quote = '';
    for (let index = 0; index < rest.length; index += 1) {
      const char = rest[index];
      if (quote !== '') {
        if (char === quote) quote = '';
        continue;
      }
      if (char === '"' || char === "'") quote = char;
      else if (char === '#' && (index === 0 || rest[index - 1] === ' ')) break;
      else if (char === '[' || char === '{') {
        flow += 1;
        if (indents.length + flow > max) return { line, col: indent + index + 1 };
      } else if ((char === ']' || char === '}') && flow > 0) flow -= 1;
    }
  }
  return undefined;
}

/**
 * How many keys the block mapping under a top-level `jobs:` has, counted in the text (a flow mapping, `jobs: {…}`,
 * counts 0: the parsed file is counted again). Lets a file of 20,000 jobs be refused before it is parsed.
 */
export function countJobKeys(text: string): { count: number; line: number } {
  const found = /^jobs:[ \t]*(#.*)?$/m.exec(text);
  if (!found) return { count: 0, line: 1 };
  const line = text.slice(0, found.index).split('\n').length;
  let childIndent = -1;
  let count = 0;
  let start = found.index + found[0].length + 1;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    let indent = 0;
    while (start + indent < end && text.charCodeAt(start + indent) === 32) indent += 1;
    const first = text[start + indent];
    const blank = start + indent >= end || first === '#' || first === '\r';
    start = end + 1;
    if (blank) continue;
    if (indent === 0) break;
    if (childIndent < 0) childIndent = indent;
    if (indent === childIndent && first !== '-') count += 1;
  }
  return { count, line };
}

/**
 * The duplicate keys of every mapping, in file order, walking the document without recursion. (yaml's own check
 * compares each key with every earlier one of its map, which is quadratic: a 5 MB file took 46 s.)
 */
export function findDuplicateKeys(
  doc: Document,
  lineCounter: LineCounter,
): { line: number; col: number; key: string }[] {
  const found: { line: number; col: number; key: string }[] = [];
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = pair.key as Node | null;
        if (isScalar(key)) {
          const name = String(key.value);
          if (seen.has(name) && name !== '<<') {
            found.push({ ...lineCounter.linePos(key.range?.[0] ?? 0), key: name });
          }
          seen.add(name);
        }
        stack.push(pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) stack.push(item);
    }
  }
  return found.sort((a, b) => a.line - b.line || a.col - b.col);
}
