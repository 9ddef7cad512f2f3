import { describe, expect, it } from 'vitest';
import { refuseDockerJobs } from '../../../packages/engine/src/exec/docker-access.js';

const jobs = [
  { id: 'lint', docker: false },
  { id: 'it', docker: true },
  { id: 'e2e (shard=1)', docker: true },
];

describe('refuseDockerJobs', () => {
  it('names every job that asks for docker: true and the flag that allows it', () => {
    const error = refuseDockerJobs(jobs, 'off');
    expect(error?.code).toBe('EXEC_DOCKER_NOT_ALLOWED');
    expect(error?.message).toBe(
      'jobs "it", "e2e (shard=1)" ask for docker: true, which is off here; start Ferry with --allow-docker (ferry run --allow-docker, ferry runner --allow-docker) to give such jobs a Docker daemon of their own, or remove docker: true',
    );
    expect(refuseDockerJobs([{ id: 'it', docker: true }], 'off')?.message).toMatch(/^job "it" asks for docker: true/);
  });

  it('lets everything run when no job asks, or when Docker is allowed either way', () => {
    expect(refuseDockerJobs([{ id: 'lint', docker: false }], 'off')).toBeUndefined();
    expect(refuseDockerJobs(jobs, 'sidecar')).toBeUndefined();
    expect(refuseDockerJobs(jobs, 'host-socket')).toBeUndefined();
  });
});
