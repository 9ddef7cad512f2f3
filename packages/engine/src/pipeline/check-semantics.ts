import { didYouMean } from '../expr/suggest-name.js';
import { unknownNeeds } from '../plan/job-graph.js';
import type { JobSpec } from './pipeline-schema.js';
import type { PathSegment, PendingIssue } from './pipeline-issue.js';

const kinds = ['steps', 'build', 'deploy'] as const;

/**
 * Rules the schema cannot express: at least one job, distinct stages, one kind per job, an image for steps,
 * known stages and deploy services, step ids unique within their job; and the planner's unknown-needs rule (plan/job-graph.ts). Cycles are the
 * planner's to find.
 *
 * Works on the raw data, so these issues are reported together with schema issues; values of the wrong
 * type are skipped here (the schema reports them). `jobsWithUnknownKeys` are spared "needs an image",
 * which is most often an `imagee`-style misspelling already reported as an unknown key.
 */
/** A mapping as a record; undefined for anything else (the schema reports wrong types). */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

export function checkSemantics(data: unknown, jobsWithUnknownKeys: ReadonlySet<string> = new Set()): PendingIssue[] {
  const issues: PendingIssue[] = [];
  const report = (
    path: PathSegment[],
    at: PendingIssue['at'],
    message: string,
    code: PendingIssue['code'] = 'SPEC_INVALID',
  ) => {
    issues.push({ code, path, at, message });
  };
  const root = asRecord(data);
  const jobs = asRecord(root?.jobs);
  if (!root || !jobs) return issues;
  const jobIds = Object.keys(jobs);
  const serviceNames = Object.keys(asRecord(root.services) ?? {});
  const stages = Array.isArray(root.stages)
    ? root.stages.filter((stage): stage is string => typeof stage === 'string')
    : undefined;

  if (jobIds.length === 0) report(['jobs'], 'key', 'a pipeline needs at least one job');
  stages?.forEach((stage, index) => {
    if (stages.indexOf(stage) !== index) report(['stages', index], 'value', `stage "${stage}" is listed twice`);
  });

  for (const id of jobIds) {
    const job = asRecord(jobs[id]);
    if (!job) continue;
    const present = kinds.filter((kind) => Object.hasOwn(job, kind));
    if (present.length !== 1) {
      const both = present.length > 1 ? `, not ${present.join(' and ')}` : '';
      report(['jobs', id], 'key', `a job needs exactly one of steps, build or deploy${both}`);
    }
    if (Object.hasOwn(job, 'steps') && !Object.hasOwn(job, 'image') && !jobsWithUnknownKeys.has(id)) {
      report(['jobs', id], 'key', 'a job with steps needs an image to run them in (add image: …)');
    }
    if (stages && typeof job.stage === 'string' && !stages.includes(job.stage)) {
      report(
        ['jobs', id, 'stage'],
        'value',
        `stage "${job.stage}" is not one of the stages (${stages.join(', ')})${didYouMean(job.stage, stages)}`,
      );
    }
    const stepIds = new Map<string, number>();
    (Array.isArray(job.steps) ? job.steps : []).forEach((step: unknown, index) => {
      const stepId = asRecord(step)?.id;
      if (typeof stepId !== 'string') return;
      const first = stepIds.get(stepId);
      if (first === undefined) stepIds.set(stepId, index);
      else
        report(
          ['jobs', id, 'steps', index, 'id'],
          'value',
          `step id "${stepId}" is already the id of steps[${first}] of job "${id}"; step ids are unique within a job`,
          'SPEC_DUPLICATE_STEP_ID',
        );
    });
    for (const service of namesAt(asRecord(job.deploy)?.services, ['jobs', id, 'deploy', 'services'])) {
      if (serviceNames.includes(service.name)) continue;
      const hint =
        serviceNames.length === 0
          ? ' (the pipeline defines no services)'
          : didYouMean(service.name, serviceNames) || ` (services: ${serviceNames.join(', ')})`;
      report(service.path, 'value', `job "${id}" deploys unknown service "${service.name}"${hint}`);
    }
    if (job.docker === true) {
      if (!Object.hasOwn(job, 'steps') && (Object.hasOwn(job, 'build') || Object.hasOwn(job, 'deploy')))
        report(
          ['jobs', id, 'docker'],
          'key',
          'docker: true applies to jobs with steps (build and deploy jobs run no container)',
        );
      if (asRecord(job.services)?.docker !== undefined)
        report(
          ['jobs', id, 'services', 'docker'],
          'key',
          'with docker: true the job\'s Docker daemon is the service "docker"; give this service another name',
        );
    }
  }
  // The planner's rule, reported here too so it comes positioned and together with the schema's issues.
  for (const unknown of unknownNeeds(jobs as Record<string, Pick<JobSpec, 'needs'>>)) {
    const path: PathSegment[] = ['jobs', unknown.job, 'needs', ...(unknown.index === undefined ? [] : [unknown.index])];
    report(path, 'value', unknown.message, 'PLAN_UNKNOWN_NEED');
  }
  return issues;
}

/** The names of a `name` or `[name, …]` value with their paths; anything not a string is left to the schema. */
function namesAt(value: unknown, path: PathSegment[]): Array<{ name: string; path: PathSegment[] }> {
  if (typeof value === 'string') return [{ name: value, path }];
  if (!Array.isArray(value)) return [];
  return value.flatMap((name, index) => (typeof name === 'string' ? [{ name, path: [...path, index] }] : []));
}
