import { didYouMean } from '../expr/suggest-name.js';
import type { JobSpec, PipelineSpec } from './pipeline-schema.js';
import type { PendingIssue } from './spec-issue.js';

const kinds = ['steps', 'build', 'deploy'] as const;

/**
 * Rules the schema cannot express, on a file that passed it: one kind per job, an image for steps,
 * known stages, needs and deploy services. Cycles are the planner's to find.
 */
export function checkSemantics(spec: PipelineSpec): PendingIssue[] {
  const issues: PendingIssue[] = [];
  const jobIds = Object.keys(spec.jobs);
  const serviceNames = Object.keys(spec.services ?? {});

  if (jobIds.length === 0) issues.push({ code: 'SPEC_INVALID', path: ['jobs'], at: 'key', message: 'a pipeline needs at least one job' });
  spec.stages?.forEach((stage, index) => {
    if (spec.stages?.indexOf(stage) !== index) {
      issues.push({ code: 'SPEC_INVALID', path: ['stages', index], at: 'value', message: `stage "${stage}" is listed twice` });
    }
  });

  for (const id of jobIds) {
    const job = spec.jobs[id] as JobSpec;
    const present = kinds.filter((kind) => job[kind] !== undefined);
    if (present.length !== 1) {
      const both = present.length > 1 ? `, not ${present.join(' and ')}` : '';
      issues.push({ code: 'SPEC_INVALID', path: ['jobs', id], at: 'key', message: `a job needs exactly one of steps, build or deploy${both}` });
    }
    if (job.steps !== undefined && job.image === undefined) {
      issues.push({ code: 'SPEC_INVALID', path: ['jobs', id], at: 'key', message: 'a job with steps needs an image to run them in (add image: …)' });
    }
    if (spec.stages && job.stage !== undefined && !spec.stages.includes(job.stage)) {
      issues.push({
        code: 'SPEC_INVALID',
        path: ['jobs', id, 'stage'],
        at: 'value',
        message: `stage "${job.stage}" is not one of the stages (${spec.stages.join(', ')})${didYouMean(job.stage, spec.stages)}`,
      });
    }
    const needs = job.needs === undefined ? [] : typeof job.needs === 'string' ? [{ name: job.needs, path: ['jobs', id, 'needs'] }] : job.needs.map((name, i) => ({ name, path: ['jobs', id, 'needs', i] }));
    for (const need of needs) {
      if (Object.hasOwn(spec.jobs, need.name)) continue;
      const hint = didYouMean(need.name, jobIds) || ` (jobs: ${jobIds.join(', ')})`;
      issues.push({ code: 'PLAN_UNKNOWN_NEED', path: need.path, at: 'value', message: `job "${id}" needs unknown job "${need.name}"${hint}` });
    }
    job.deploy?.services.forEach((name, i) => {
      if (serviceNames.includes(name)) return;
      const hint = serviceNames.length === 0 ? ' (the pipeline defines no services)' : didYouMean(name, serviceNames) || ` (services: ${serviceNames.join(', ')})`;
      issues.push({ code: 'SPEC_INVALID', path: ['jobs', id, 'deploy', 'services', i], at: 'value', message: `job "${id}" deploys unknown service "${name}"${hint}` });
    });
  }
  return issues;
}
