import { didYouMean } from '../expr/suggest-name.js';
import type { FerryErrorCode } from '../errors.js';
import { asRecord } from './check-semantics.js';
import type { SourcePosition } from './create-source-locator.js';
import { formatPath } from './format-path.js';
import { includeEntries } from './include-entries.js';
import {
  fileLayer,
  mergeLayers,
  subLayer,
  withoutKeys,
  type MergeWork,
  type Origin,
  type PipelineLayer,
} from './pipeline-layer.js';
import { countNodes, pipelineLimits } from './pipeline-limits.js';
import type { PathSegment, PendingIssue, PipelineIssue } from './pipeline-issue.js';
import { readDocument } from './read-document.js';

/** A file an `include:` may name, as a loader read it: its text, or why it could not be read. */
export type IncludedFile =
  | { file: string; text: string }
  | { file: string; code: Extract<FerryErrorCode, 'SPEC_LIMIT' | 'SPEC_INCLUDE'>; message: string };

/** What a loader read for the includes of a pipeline file (load/load-pipeline.ts, `ferry serve`'s git source). */
export interface PipelineIncludes {
  /** The pipeline file's own path in the repository (normalized like an include), so that including it is a cycle. */
  path: string;
  /** Keyed by normalized repository path (`ci/jobs.yml`); a path that is not a key is a file that does not exist. */
  files: ReadonlyMap<string, IncludedFile>;
}

export interface ComposedPipeline {
  /** The pipeline as one mapping: includes merged, `extends` applied, templates and `x-` keys gone. */
  layer: PipelineLayer;
  /** Places an issue found on the composed data in the file that wrote the value. */
  place: (issue: PendingIssue) => PipelineIssue;
  /** Issues of composition itself (includes, extends, the files' own YAML), already placed. */
  issues: PipelineIssue[];
}

/** GitLab's limit on `extends` levels. */
export const maxExtendsDepth = 11;

/**
 * The main file's data plus its includes → one pipeline (pure: the loader has read every file before).
 * Includes are merged as GitLab does: each included file (with its own includes) is deep-merged under the file
 * that includes it, in order, so the including file wins and a later include wins over an earlier one; a file
 * included twice counts once. Then every job's `extends` is applied (pipeline-layer.ts's deep merge: the job's
 * own keys win, later parents over earlier, lists replaced, up to 11 levels); jobs whose id starts with `.` are
 * templates and leave the pipeline, as do top-level `x-` keys (which hold YAML anchors).
 */
export function composePipeline(
  main: { data: unknown; file: string; locate: (issue: PendingIssue) => SourcePosition },
  includes: PipelineIncludes | undefined,
): ComposedPipeline {
  const locators = new Map([[main.file, main.locate]]);
  const issues: PipelineIssue[] = [];
  const placeAt = (origin: Origin, issue: PendingIssue): PipelineIssue => ({
    code: issue.code,
    file: origin.file,
    ...(locators.get(origin.file) ?? (() => ({ line: 1, col: 1 })))({ ...issue, path: origin.path }),
    path: formatPath(issue.path),
    message: issue.message,
  });
  const included = new Set<string>();
  // Each level of nested includes copies the mappings it merges into: bounded, so that deep nesting of large files
  // cannot make merging quadratic.
  const work: MergeWork & { reported?: boolean } = { copied: 0 };
  const overWork = () => work.copied > pipelineLimits.mergedValues;
  const files = includes?.files ?? new Map<string, IncludedFile>();

  const composeFile = (data: unknown, file: string, stack: string[]): PipelineLayer => {
    const own = fileLayer(file, data);
    const entries = includeEntries(data);
    for (const issue of entries.issues) issues.push(placeAt({ file, path: issue.path }, issue));
    const parts: PipelineLayer[] = [];
    for (const entry of entries.entries) {
      const report = (code: PendingIssue['code'], message: string) =>
        issues.push(placeAt({ file, path: entry.at }, { code, path: entry.at, at: 'value', message }));
      if (stack.includes(entry.path)) {
        report('SPEC_INCLUDE', `include cycle: ${[...stack.slice(stack.indexOf(entry.path)), entry.path].join(' → ')}`);
        continue;
      }
      if (included.has(entry.path)) continue;
      if (overWork()) continue;
      if (included.size >= pipelineLimits.includes) {
        report('SPEC_LIMIT', `more than ${pipelineLimits.includes} included files`);
        continue;
      }
      included.add(entry.path);
      const found = files.get(entry.path);
      if (!found) {
        report('SPEC_INCLUDE', `included file "${entry.path}" does not exist in the repository`);
        continue;
      }
      if (!('text' in found)) {
        report(found.code, `included file "${entry.path}": ${found.message}`);
        continue;
      }
      const read = readDocument(found.text, found.file);
      locators.set(found.file, read.locate);
      issues.push(...read.issues);
      if (read.issues.length > 0 || read.data === null) continue;
      if (!asRecord(read.data)) {
        issues.push(
          placeAt(
            { file: found.file, path: [] },
            { code: 'SPEC_INVALID', path: [], at: 'value', message: 'an included file holds a mapping (jobs:, …)' },
          ),
        );
        continue;
      }
      const sub = composeFile(read.data, found.file, [...stack, entry.path]);
      // Merging a file with its own includes copied them: a deep chain of large files copies each at every level.
      if (!overWork()) parts.push(sub);
      if (overWork() && !work.reported) {
        work.reported = true;
        const limit = pipelineLimits.mergedValues;
        report(
          'SPEC_LIMIT',
          `merging the included files copies more than ${limit} values; include fewer or smaller files`,
        );
      }
    }
    const ownContent = withoutKeys(own, ['include']);
    return parts.length > 0 && !overWork() ? mergeLayers([...parts, ownContent], work) : ownContent;
  };

  const composed = composeFile(main.data, main.file, [includes?.path ?? main.file]);
  const extended = applyExtends(composed, (path, issue) => issues.push(placeAt(composed.originAt(path), issue)));
  return {
    layer: extended,
    place: (issue) => placeAt(extended.originAt(issue.path), issue),
    issues,
  };
}

/** A job with its parents merged in, how many levels of `extends` that took, and (at most) how many values it holds. */
interface Resolved {
  layer: PipelineLayer;
  height: number;
  size: number;
}

/**
 * Applies `extends` to every job that is not a template, drops templates and `x-` keys. Problems (an unknown
 * parent, a cycle, too many levels, too large a result) are reported at the `extends` entry.
 */
function applyExtends(root: PipelineLayer, report: (path: PathSegment[], issue: PendingIssue) => void): PipelineLayer {
  const data = asRecord(root.data);
  const jobs = asRecord(data?.jobs);
  if (!data) return root;
  const ids = Object.keys(jobs ?? {});
  const resolved = new Map<string, Resolved>();
  const fail = (path: PathSegment[], code: PendingIssue['code'], message: string) =>
    report(path, { code, path, at: 'value', message });
  const templates = ids.filter((other) => other.startsWith('.'));
  const budget = pipelineLimits.resolvedNodes;
  const tooLarge = `with extends applied, the jobs hold more than ${budget} values; templates are copied into each job that extends them`;
  // Values merged so far (each parent's size, an upper bound): stops a file that extends a large template
  // thousands of times before the copying costs more than validating the result would.
  let work = 0;

  const resolve = (id: string, chain: string[]): Resolved => {
    const done = resolved.get(id);
    if (done) return done;
    const own = subLayer(root, ['jobs', id]);
    const ownSize = countNodes(own.data, budget);
    const parents = asRecord(own.data)?.extends;
    if (parents === undefined || work > budget) {
      const alone = { layer: withoutKeys(own, ['extends']), height: 0, size: ownSize };
      resolved.set(id, alone);
      return alone;
    }
    const names = typeof parents === 'string' ? [parents] : Array.isArray(parents) ? parents : undefined;
    const extendsAt: PathSegment[] = ['jobs', id, 'extends'];
    const layers: PipelineLayer[] = [];
    let height = 0;
    let size = ownSize;
    if (!names) fail(extendsAt, 'SPEC_INVALID', 'expected a job id or a list of job ids');
    names?.forEach((name, index) => {
      const at = typeof parents === 'string' ? extendsAt : [...extendsAt, index];
      if (typeof name !== 'string') return fail(at, 'SPEC_INVALID', 'expected a job id');
      if (!Object.hasOwn(jobs ?? {}, name)) {
        const hint = didYouMean(name, ids) || (templates.length > 0 ? ` (templates: ${templates.join(', ')})` : '');
        return fail(at, 'SPEC_EXTENDS', `job "${id}" extends unknown job "${name}"${hint}`);
      }
      if (name === id || chain.includes(name)) {
        const cycle = [...chain.slice(chain.indexOf(name)), id, name];
        return fail(at, 'SPEC_EXTENDS', `extends form a cycle: ${cycle.join(' → ')}`);
      }
      if (work > budget) return;
      const parent = resolve(name, [...chain, id]);
      if (parent.height + 1 > maxExtendsDepth) {
        const message = `extends nests more than ${maxExtendsDepth} levels from "${id}" through "${name}"`;
        return fail(at, 'SPEC_EXTENDS', message);
      }
      if (work <= budget && work + parent.size > budget) fail(at, 'SPEC_LIMIT', tooLarge);
      work += parent.size;
      if (work > budget) return;
      height = Math.max(height, parent.height + 1);
      size += parent.size;
      layers.push(parent.layer);
    });
    const result = { layer: withoutKeys(mergeLayers([...layers, own]), ['extends']), height, size };
    resolved.set(id, result);
    return result;
  };

  const visible = ids.filter((id) => !id.startsWith('.'));
  const finalJobs = new Map(visible.map((id) => [id, resolve(id, []).layer]));
  let nodes = 0;
  for (const [id, layer] of work > budget ? [] : finalJobs) {
    nodes += countNodes(layer.data, budget - nodes);
    if (nodes > budget) {
      fail(['jobs', id], 'SPEC_LIMIT', tooLarge);
      break;
    }
  }
  const top = Object.fromEntries(Object.entries(data).filter(([key]) => !key.startsWith('x-')));
  if (jobs) top.jobs = Object.fromEntries([...finalJobs].map(([id, layer]) => [id, layer.data]));
  return {
    data: top,
    originAt: (path) => {
      const job = path[0] === 'jobs' && typeof path[1] === 'string' ? finalJobs.get(path[1]) : undefined;
      return job ? job.originAt(path.slice(2)) : root.originAt(path);
    },
  };
}
