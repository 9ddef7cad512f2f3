import { posix } from 'node:path';
import { asRecord } from './check-semantics.js';
import type { PathSegment, PendingIssue } from './pipeline-issue.js';
import { readDocument } from './read-document.js';

/** One `include:` entry of a file: the file it names (a normalized path in the repository) and where it is written. */
export interface IncludeEntry {
  /** Like `ci/templates.yml`: relative to the repository root, no leading `/`, no `.` or `..` segments. */
  path: string;
  /** Path of the entry in the including file, e.g. `['include', 1, 'local']`. */
  at: PathSegment[];
}

/**
 * The files a pipeline file's `include:` names, in order, and the entries that are malformed (SPEC_INCLUDE, at
 * the entry). `include: a.yml`, `include: [a.yml, { local: b.yml }]`; paths are relative to the repository root,
 * as GitLab's `include:local` (a leading `/` is allowed), and must stay inside it and end in .yml or .yaml.
 */
export function includeEntries(data: unknown): { entries: IncludeEntry[]; issues: PendingIssue[] } {
  const entries: IncludeEntry[] = [];
  const issues: PendingIssue[] = [];
  const value = asRecord(data)?.include;
  if (value === undefined || value === null) return { entries, issues };
  const list: unknown[] = Array.isArray(value) ? value : [value];
  list.forEach((item, index) => {
    const at: PathSegment[] = Array.isArray(value) ? ['include', index] : ['include'];
    const local = asRecord(item);
    const raw = local && Object.keys(local).length === 1 ? local.local : item;
    const rawAt = local ? [...at, 'local'] : at;
    if (typeof raw !== 'string' || raw === '') {
      issues.push({
        code: 'SPEC_INCLUDE',
        path: at,
        at: 'value',
        message: 'expected a file path (include: ci/jobs.yml) or { local: ci/jobs.yml }',
      });
      return;
    }
    const normalized = normalizeIncludePath(raw);
    if ('problem' in normalized)
      issues.push({ code: 'SPEC_INCLUDE', path: rawAt, at: 'value', message: normalized.problem });
    else entries.push({ path: normalized.path, at: rawAt });
  });
  return { entries, issues };
}

/** `/ci/./jobs.yml` → `ci/jobs.yml`; a path that leaves the repository, has wildcards or is not YAML is refused. */
export function normalizeIncludePath(raw: string): { path: string } | { problem: string } {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw))
    return { problem: `include "${raw}": only files of the repository can be included (include:local)` };
  if (/[*?[\]]/.test(raw)) return { problem: `include "${raw}": wildcards are not supported; list the files` };
  const path = posix.normalize(raw.replace(/^\/+/, ''));
  if (path === '..' || path.startsWith('../') || path === '.' || raw.includes('\0'))
    return { problem: `include "${raw}" is outside the repository` };
  if (!/\.ya?ml$/.test(path)) return { problem: `include "${raw}": an included file must end in .yml or .yaml` };
  return { path };
}

/**
 * The repository paths a file includes, for a loader that reads them before parsing (load/, `ferry serve`):
 * malformed entries and a file that does not parse give none (parsePipeline reports them).
 */
export function listIncludes(text: string, file: string): string[] {
  const read = readDocument(text, file);
  return read.issues.length > 0 ? [] : includeEntries(read.data).entries.map((entry) => entry.path);
}
