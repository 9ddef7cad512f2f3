import type { ImportEntry, ImportResult } from './import-types.js';

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Several imported files as one pipeline (`ferry import a.yml b.yml`): each file's env and defaults move into
 * its jobs, triggers are united (a trigger two files filter differently runs unfiltered), and a job id taken by
 * an earlier file is prefixed with its file's name.
 */
export function mergeImports(results: (ImportResult & { file: string })[]): { pipeline: Json; entries: ImportEntry[] } {
  if (results.length === 1 && results[0]) return { pipeline: results[0].pipeline, entries: results[0].entries };
  const pipeline: Json = { on: {}, jobs: {} };
  const entries: ImportEntry[] = [];
  const on = pipeline.on as Json;
  const jobs = pipeline.jobs as Json;
  const stages: string[] = [];
  for (const result of results) {
    entries.push(...result.entries);
    const source = result.pipeline;
    if (pipeline.name === undefined && source.name !== undefined) pipeline.name = source.name;
    for (const [event, filter] of Object.entries(isObject(source.on) ? source.on : {})) {
      if (!(event in on)) on[event] = filter;
      else if (JSON.stringify(on[event]) !== JSON.stringify(filter)) {
        on[event] = null;
        entries.push({
          kind: 'approximated',
          file: result.file,
          line: 0,
          message: `${event}: the files filter it differently; the merged pipeline runs on every ${event}`,
        });
      }
    }
    if (Array.isArray(source.stages))
      for (const stage of source.stages as string[]) if (!stages.includes(stage)) stages.push(stage);
    const own = isObject(source.jobs) ? source.jobs : {};
    const base = result.file
      .replace(/^.*\//, '')
      .replace(/\.ya?ml$/, '')
      .replace(/[^A-Za-z0-9_-]+/g, '-');
    const renames = new Map<string, string>();
    for (const id of Object.keys(own))
      if (id in jobs) renames.set(id, `${/^[A-Za-z_]/.test(base) ? base : `_${base}`}-${id}`);
    for (const [id, raw] of Object.entries(own)) {
      let text = JSON.stringify(raw);
      for (const [from, to] of renames) text = text.replace(new RegExp(`\\bjobs\\.${from}\\b`, 'g'), `jobs.${to}`);
      const job = JSON.parse(text) as Json;
      if (Array.isArray(job.needs)) job.needs = (job.needs as string[]).map((need) => renames.get(need) ?? need);
      if (isObject(source.env)) job.env = { ...source.env, ...(isObject(job.env) ? job.env : {}) };
      if (isObject(source.defaults) && job.steps !== undefined)
        job.defaults = { ...source.defaults, ...(isObject(job.defaults) ? job.defaults : {}) };
      jobs[renames.get(id) ?? id] = job;
    }
    if (renames.size > 0) {
      entries.push({
        kind: 'changed',
        file: result.file,
        line: 0,
        message: `job ids also used by an earlier file are prefixed: ${[...renames].map(([from, to]) => `${from} → ${to}`).join(', ')}`,
      });
    }
  }
  if (stages.length > 0) pipeline.stages = stages;
  return { pipeline, entries };
}
