import { didYouMean } from '../expr/suggest-name.js';
import type { JobSpec, PipelineSpec } from '../pipeline/pipeline-schema.js';

/**
 * The planner's ordering rules, written once: a job waits for its `needs`, or (without `needs`, GitLab's rule)
 * for every job of the nearest earlier stage that has jobs. The parser asks these for its positioned checks,
 * the planner for its edges.
 */

/** `needs` as a list, whichever way it was written. */
export function needsOf(job: Pick<JobSpec, 'needs'>): string[] {
  return job.needs === undefined ? [] : typeof job.needs === 'string' ? [job.needs] : job.needs;
}

export interface JobEdges {
  /** Every job each job waits for directly: its needs, then its stage edges. */
  edges: Map<string, string[]>;
  /** The part of `edges` that came from stage order (jobs without `needs`). */
  stageEdges: Map<string, string[]>;
}

/** Linear in jobs and edges: jobs are grouped by stage once, and each stage's predecessor is found once. */
export function jobEdges(spec: Pick<PipelineSpec, 'jobs' | 'stages'>): JobEdges {
  const ids = Object.keys(spec.jobs);
  const stages = spec.stages ?? [];
  const byStage = new Map<string, string[]>(stages.map((stage) => [stage, []]));
  for (const id of ids) {
    const stage = spec.jobs[id]?.stage;
    if (stage !== undefined) byStage.get(stage)?.push(id);
  }
  const previousStage = new Map<string, string[]>();
  let last: string[] = [];
  for (const stage of stages) {
    previousStage.set(stage, last);
    const inStage = byStage.get(stage) ?? [];
    if (inStage.length > 0) last = inStage;
  }
  const edges = new Map<string, string[]>();
  const stageEdges = new Map<string, string[]>();
  for (const id of ids) {
    const job = spec.jobs[id] as JobSpec;
    const waitsForStage = job.needs === undefined && job.stage !== undefined;
    const fromStage = waitsForStage ? (previousStage.get(job.stage as string) ?? []) : [];
    if (fromStage.length > 0) stageEdges.set(id, fromStage);
    edges.set(id, [...needsOf(job), ...fromStage]);
  }
  return { edges, stageEdges };
}

/**
 * Every job a job waits for, directly or not, computed on first ask for that job (most jobs are never asked).
 * Unknown names and cycles are tolerated; the walk is iterative.
 */
export function jobDependencies(spec: Pick<PipelineSpec, 'jobs' | 'stages'>): (job: string) => ReadonlySet<string> {
  const { edges } = jobEdges(spec);
  const closure = new Map<string, Set<string>>();
  return (id) => {
    const known = closure.get(id);
    if (known) return known;
    const seen = new Set<string>();
    const pending = [...(edges.get(id) ?? [])];
    for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
      if (seen.has(next)) continue;
      seen.add(next);
      pending.push(...(edges.get(next) ?? []));
    }
    closure.set(id, seen);
    return seen;
  };
}

export interface UnknownNeed {
  job: string;
  need: string;
  /** Index in a `needs:` list; undefined when `needs` is a single name. */
  index?: number;
  message: string;
}

/** Each `needs` entry that names no job, with a "did you mean" when one is close. */
export function unknownNeeds(jobs: Record<string, Pick<JobSpec, 'needs'> | undefined>): UnknownNeed[] {
  const ids = Object.keys(jobs);
  const found: UnknownNeed[] = [];
  for (const id of ids) {
    const needs = jobs[id]?.needs;
    const list = typeof needs === 'string' ? [needs] : Array.isArray(needs) ? needs : [];
    list.forEach((need, index) => {
      if (typeof need !== 'string' || Object.hasOwn(jobs, need)) return;
      const hint = didYouMean(need, ids) || ` (jobs: ${ids.slice(0, 20).join(', ')}${ids.length > 20 ? ', …' : ''})`;
      found.push({
        job: id,
        need,
        ...(Array.isArray(needs) ? { index } : {}),
        message: `job "${id}" needs unknown job "${need}"${hint}`,
      });
    });
  }
  return found;
}
