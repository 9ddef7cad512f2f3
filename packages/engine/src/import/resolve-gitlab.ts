import { textOf } from './text-of.js';
import type { SourceReader } from './import-types.js';
import { readSource, referenceKey, type ImportReport, type Source } from './read-source.js';

type Json = Record<string, unknown>;
export const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** GitLab's top-level keywords; every other mapping at the top is a job (hidden when it starts with `.`). */
export const gitlabKeywords = new Set([
  'stages',
  'variables',
  'default',
  'include',
  'workflow',
  'image',
  'services',
  'before_script',
  'after_script',
  'cache',
  'spec',
  'pages:deploy',
]);

export interface ResolvedGitlab {
  /** The merged file: includes first, the including file's keys over them (hashes deep-merged). */
  config: Json;
  /** The file that defined each top-level key last, for report lines. */
  origin: Map<string, Source>;
}

/** GitLab's deep merge: mappings merge key by key, anything else (lists too) is replaced. */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (!isObject(base) || !isObject(over)) return over;
  const out: Json = { ...base };
  for (const [key, value] of Object.entries(over)) out[key] = key in out ? deepMerge(out[key], value) : value;
  return out;
}

/** Reads `include: local` files (recursively) and merges them under the file, as GitLab does. */
export function resolveIncludes(
  source: Source,
  reader: SourceReader,
  report: ImportReport,
  seen: Set<string> = new Set([source.file]),
): ResolvedGitlab {
  const data = isObject(source.data) ? source.data : {};
  let config: Json = {};
  const origin = new Map<string, Source>();
  const includes = data.include === undefined ? [] : Array.isArray(data.include) ? data.include : [data.include];
  includes.forEach((entry, index) => {
    const at = ['include', ...(Array.isArray(data.include) ? [index] : [])];
    const local =
      typeof entry === 'string'
        ? /^https?:/.test(entry)
          ? undefined
          : entry
        : isObject(entry) && typeof entry.local === 'string'
          ? entry.local
          : undefined;
    const template = isObject(entry) && typeof entry.template === 'string' ? entry.template : undefined;
    if (template !== undefined && /^Workflows\/(Branch|MergeRequest)-Pipelines\.gitlab-ci\.yml$/.test(template)) {
      report.add(
        'approximated',
        source,
        at,
        `include: template ${template} only sets workflow: rules (which pipelines run); Ferry runs on the triggers it receives`,
      );
      return;
    }
    if (local === undefined) {
      const kind = isObject(entry)
        ? (['project', 'remote', 'template', 'component'].find((key) => key in entry) ?? 'remote')
        : 'remote';
      const what = isObject(entry) ? textOf(entry[kind] ?? '') : textOf(entry);
      report.add(
        'dropped',
        source,
        at,
        `include: ${kind} ${what} is not in this repository and is not read; its jobs and templates are missing`,
      );
      return;
    }
    if (isObject(entry) && (entry.rules !== undefined || entry.inputs !== undefined)) {
      report.add(
        'approximated',
        source,
        at,
        `include ${local}: its ${entry.rules !== undefined ? 'rules' : 'inputs'} are not applied; the file is always included`,
      );
    }
    const path = local.replace(/^\.?\//, '');
    if (path.includes('*')) {
      report.add('dropped', source, at, `include ${local}: wildcard includes are not read`);
      return;
    }
    if (seen.has(path)) {
      report.add('dropped', source, at, `include ${local} includes itself (a cycle); not read again`);
      return;
    }
    const text = reader.read(path);
    if (text === undefined) {
      report.add('dropped', source, at, `include ${local}: no such file in the repository`);
      return;
    }
    const included = readSource(text, path);
    if (included.errors.length > 0) {
      report.add('dropped', source, at, `include ${local}: not valid YAML (${included.errors[0]?.message ?? ''})`);
      return;
    }
    const inner = resolveIncludes(included, reader, report, new Set([...seen, path]));
    config = deepMerge(config, inner.config) as Json;
    for (const [key, file] of inner.origin) origin.set(key, file);
  });
  const own = { ...data };
  delete own.include;
  config = deepMerge(config, own) as Json;
  for (const key of Object.keys(own)) origin.set(key, source);
  return { config, origin };
}

/** Applies `extends:` (parents in order, deep merge, up to 11 levels) to every job. */
export function resolveExtends(config: Json, origin: Map<string, Source>, report: ImportReport): Json {
  const done = new Map<string, Json>();
  const resolve = (name: string, trail: string[]): Json => {
    const cached = done.get(name);
    if (cached) return cached;
    const job = config[name];
    if (!isObject(job)) return {};
    const parents =
      job.extends === undefined ? [] : (Array.isArray(job.extends) ? job.extends : [job.extends]).map(String);
    let merged: Json = {};
    for (const parent of parents) {
      if (trail.includes(parent) || trail.length > 11) {
        report.add(
          'dropped',
          origin.get(name) as Source,
          [name, 'extends'],
          `extends ${parent} makes a cycle or nests over 11 levels; not applied`,
        );
        continue;
      }
      if (!(parent in config)) {
        report.add(
          'dropped',
          origin.get(name) as Source,
          [name, 'extends'],
          `extends ${parent}: no such job or template (from an include that was not read?)`,
        );
        continue;
      }
      merged = deepMerge(merged, resolve(parent, [...trail, parent])) as Json;
    }
    const own = { ...job };
    delete own.extends;
    const result = deepMerge(merged, own) as Json;
    done.set(name, result);
    return result;
  };
  const out: Json = {};
  for (const [name, value] of Object.entries(config))
    out[name] = gitlabKeywords.has(name) || !isObject(value) ? value : resolve(name, [name]);
  return out;
}

/** Replaces every `!reference [job, key, …]` by what it points to (after extends); scripts are flattened later. */
export function resolveReferences(config: Json, origin: Map<string, Source>, report: ImportReport): Json {
  const lookup = (path: unknown[], depth: number): unknown => {
    let value: unknown = config;
    for (const segment of path) value = isObject(value) ? value[textOf(segment)] : undefined;
    return depth > 10 ? undefined : walk(value, depth + 1, path.map(String).join('.'));
  };
  const walk = (value: unknown, depth: number, where: string): unknown => {
    if (Array.isArray(value)) return value.map((item) => walk(item, depth, where));
    if (!isObject(value)) return value;
    const reference = value[referenceKey];
    if (Array.isArray(reference) && Object.keys(value).length === 1) {
      const found = lookup(reference, depth);
      if (found === undefined) {
        const job = where.split('.')[0] ?? '';
        report.add(
          'dropped',
          origin.get(job) ?? ([...origin.values()][0] as Source),
          [job],
          `!reference [${reference.join(', ')}] points to nothing (a template from an include that was not read?)`,
        );
        return [];
      }
      return found;
    }
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [key, walk(inner, depth, where === '' ? key : where)]),
    );
  };
  return walk(config, 0, '') as Json;
}
