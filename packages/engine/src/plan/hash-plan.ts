import { createHash } from 'node:crypto';
import type { Plan } from './plan-types.js';

/**
 * sha256 over what decides a run's behaviour: each JobRun's id, kind, image, needs, commands, conditions and
 * the names (not values) of its environment. Values can differ between machines (and hold secrets); names
 * and commands cannot without the run being a different run.
 */
export function hashPlan(plan: Omit<Plan, 'hash'>): string {
  const canonical = plan.jobs.map((job) => ({
    id: job.id,
    kind: job.kind,
    image: job.image,
    needs: [...job.needs].sort(),
    if: job.if ?? null,
    env: Object.keys(job.env).sort(),
    secrets: [...job.secrets].sort(),
    steps: job.steps.map((step) => ({
      run: step.run,
      if: step.if ?? null,
      env: Object.keys(step.env).sort(),
      id: step.id ?? null,
      shell: step.shell,
      workdir: step.workdir ?? null,
      ...(step.workflowCommands ? { workflowCommands: true } : {}),
    })),
    services: Object.fromEntries(Object.entries(job.services).map(([name, sidecar]) => [name, sidecar.image])),
    build: job.build ?? null,
    deploy: job.deploy ?? null,
    ...(job.docker ? { docker: true } : {}),
    ...(job.actions ? { actions: job.actions } : {}),
  }));
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}
