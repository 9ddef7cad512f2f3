import type { Plan } from './plan-types.js';

/** The DAG as indented text: one line per JobRun with its stage, image, steps and what it waits for. */
export function formatPlanText(plan: Plan): string {
  const lines = [`pipeline ${plan.pipeline} (${plan.file})`, `plan ${plan.hash}`, ''];
  for (const job of plan.jobs) {
    const stage = job.stage ? ` [${job.stage}]` : '';
    const image = job.kind === 'steps' ? ` image ${job.image}` : ` ${job.kind}`;
    lines.push(`${job.id}${stage}${image}`);
    if (job.needs.length > 0) lines.push(`  needs ${job.needs.join(', ')}`);
    if (job.if) lines.push(`  if ${job.if}`);
    if (job.changesNote) lines.push(`  runs: ${job.changesNote}`);
    for (const step of job.steps) lines.push(`  - ${step.name}`);
  }
  for (const skip of plan.skipped) lines.push(`${skip.id} skipped: ${skip.reason}`);
  return lines.join('\n');
}

export function formatPlanMermaid(plan: Plan): string {
  const ids = new Map(plan.jobs.map((job, index) => [job.id, `j${index}`]));
  const lines = ['graph LR'];
  for (const job of plan.jobs) lines.push(`  ${ids.get(job.id)}["${job.id.replace(/"/g, "'")}"]`);
  for (const job of plan.jobs) for (const need of job.needs) lines.push(`  ${ids.get(need)} --> ${ids.get(job.id)}`);
  return lines.join('\n');
}
