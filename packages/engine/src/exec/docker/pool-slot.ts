import type { JobRun } from '../../plan/plan-types.js';
import { DEFAULT_WORKDIR, jobResources, type ExecResources } from './build-container-options.js';

/** What a pooled container is created with: the parts of a job's container that cannot change after create. */
export interface PoolSlot {
  /** Identifies the slot: equal keys, interchangeable containers. */
  key: string;
  image: string;
  workdir: string;
  resources: ExecResources;
}

/**
 * The pool slot a JobRun can take a pre-started container from, or undefined when its container needs something
 * a generic one cannot get after it started: another user (the workspace's owner, the setup exec), privileges,
 * a Docker daemon or socket, or a fresh pull (`pull: always`). Env, networks and aliases are applied at job time
 * (env by every step's exec); limits are part of the slot.
 */
export function poolSlot(job: JobRun, defaultResources: ExecResources | undefined): PoolSlot | undefined {
  if (job.kind !== 'steps' || job.user || job.privileged || job.docker || job.pull === 'always') return undefined;
  const workdir = job.workdir || DEFAULT_WORKDIR;
  const resources = jobResources(job, defaultResources);
  const limits = Object.entries(resources)
    .filter(([, value]) => value !== undefined)
    .sort(([a], [b]) => a.localeCompare(b));
  return { key: JSON.stringify([job.image, workdir, limits]), image: job.image, workdir, resources };
}
