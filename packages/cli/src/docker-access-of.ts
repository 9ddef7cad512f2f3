import { FerryError, type DockerAccess } from '@ferry/engine';

/** `--allow-docker` and `--docker-socket`, as `ferry run`, `ferry deploy` and `ferry runner` take them. */
export interface DockerAccessFlags {
  allowDocker?: boolean;
  dockerSocket?: string;
}

/**
 * What `docker: true` jobs get: nothing without --allow-docker; with it, a daemon sidecar of their own, or the
 * host's socket with `--docker-socket host`, which must come with --allow-docker.
 */
export function dockerAccessOf(flags: DockerAccessFlags): DockerAccess {
  const socket = flags.dockerSocket;
  if (socket !== undefined && socket !== 'host' && socket !== 'sidecar')
    throw new FerryError(
      'CLI_USAGE',
      `--docker-socket "${socket}": expected host (the host's socket) or sidecar (a daemon of the job's own)`,
    );
  if (!flags.allowDocker) {
    if (socket !== undefined)
      throw new FerryError(
        'CLI_USAGE',
        `--docker-socket ${socket} needs --allow-docker, which lets jobs ask for docker: true`,
      );
    return 'off';
  }
  return socket === 'host' ? 'host-socket' : 'sidecar';
}

/** The warning printed once per run (and at runner start-up) when jobs get the host's socket. */
export function hostSocketWarning(jobs: string[]): string {
  const names = jobs.map((job) => `"${job}"`).join(', ');
  const who =
    jobs.length === 0 ? 'jobs with docker: true get' : jobs.length === 1 ? `job ${names} gets` : `jobs ${names} get`;
  return [
    `!!! WARNING: --docker-socket host: ${who} the host's Docker socket.`,
    "!!! They control this machine's Docker engine: every container, image and volume on it, and root on the host.",
    '!!! Containers and volumes they start there are not labelled or removed by Ferry. Use it only for trusted pipelines.',
  ].join('\n');
}
