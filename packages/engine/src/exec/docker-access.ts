import { FerryError } from '../errors.js';
import type { JobRun } from '../plan/plan-types.js';

/**
 * How jobs with `docker: true` get Docker, as the operator allows it (`--allow-docker`, `--docker-socket host`):
 * - `off`: they are refused (EXEC_DOCKER_NOT_ALLOWED);
 * - `sidecar`: a Docker daemon of the job's own in a sidecar container, reached at DOCKER_HOST=tcp://docker:2375;
 * - `host-socket`: the engine's own socket, mounted into the job: the job controls the host's engine.
 */
export type DockerAccess = 'off' | 'sidecar' | 'host-socket';

export const dockerAccessModes: readonly DockerAccess[] = ['off', 'sidecar', 'host-socket'];

/** The error that refuses the jobs asking for `docker: true` when access is `off`; undefined when all may run. */
export function refuseDockerJobs(jobs: ReadonlyArray<Pick<JobRun, 'id' | 'docker'>>, access: DockerAccess) {
  if (access !== 'off') return undefined;
  const asking = jobs.filter((job) => job.docker).map((job) => `"${job.id}"`);
  if (asking.length === 0) return undefined;
  const which = asking.length === 1 ? `job ${asking[0]} asks` : `jobs ${asking.join(', ')} ask`;
  return new FerryError(
    'EXEC_DOCKER_NOT_ALLOWED',
    `${which} for docker: true, which is off here; start Ferry with --allow-docker (ferry run --allow-docker, ferry runner --allow-docker) to give such jobs a Docker daemon of their own, or remove docker: true`,
  );
}
