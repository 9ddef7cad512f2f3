import type { JobSpec, PipelineSpec } from './pipeline-schema.js';

/** `needs` as a list, whichever way it was written. */
export function needsOf(job: JobSpec): string[] {
  return job.needs === undefined ? [] : typeof job.needs === 'string' ? [job.needs] : job.needs;
}

/**
 * Every job each job waits for, directly or not, by the planner's rules: its `needs`, or (without `needs`)
 * every job of the nearest earlier stage that has jobs. Unknown names and cycles are tolerated.
 */
export function jobDependencies(spec: PipelineSpec): Map<string, Set<string>> {
  const ids = Object.keys(spec.jobs);
  const stages = spec.stages ?? [];
  const direct = new Map<string, string[]>();
  for (const id of ids) {
    const job = spec.jobs[id] as JobSpec;
    if (job.needs !== undefined || job.stage === undefined) {
      direct.set(id, needsOf(job));
      continue;
    }
    let previous: string[] = [];
    for (let index = stages.indexOf(job.stage) - 1; index >= 0 && previous.length === 0; index--) {
      previous = ids.filter((other) => spec.jobs[other]?.stage === stages[index]);
    }
    direct.set(id, previous);
  }
  const closure = new Map<string, Set<string>>();
  for (const id of ids) {
    const seen = new Set<string>();
    const pending = [...(direct.get(id) ?? [])];
    for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
      if (seen.has(next)) continue;
      seen.add(next);
      pending.push(...(direct.get(next) ?? []));
    }
    closure.set(id, seen);
  }
  return closure;
}
