import type Dockerode from 'dockerode';
import { FerryError } from '../../errors.js';
import type { JobRun } from '../../plan/plan-types.js';
import { keepAliveCommand } from './step-scripts.js';

export type ExecResources = JobRun['resources'];

export interface ContainerOptionsInput {
  name: string;
  /** Already built with buildLabels. */
  labels: Record<string, string>;
  /** The container's environment (pipeline < job), already rendered. */
  env: Record<string, string>;
  /** Limits for a job that sets none of its own; each of the job's limits overrides one default. */
  defaultResources?: ExecResources;
  /** Whether the runner lets a job ask for `privileged: true`. */
  allowPrivileged?: boolean;
  /** The network the container starts on (the run's, or the job's own when it has sidecars). */
  network?: string;
  /** The engine host's Docker socket, mounted at the same path: only for `docker: true` with `host-socket` access. */
  dockerSocket?: string;
}

export const DEFAULT_WORKDIR = '/workspace';

/**
 * JobRun → the create options of its job container: kept alive by its own PID 1 (the image's entrypoint is
 * replaced), `no-new-privileges`, limits, no binds, no Docker socket but the one `dockerSocket` names. Throws
 * EXEC_CONTAINER for a privileged job the runner does not allow.
 */
export function buildContainerOptions(job: JobRun, input: ContainerOptionsInput): Dockerode.ContainerCreateOptions {
  if (job.privileged && !input.allowPrivileged) {
    throw new FerryError(
      'EXEC_CONTAINER',
      `job "${job.id}" asks for privileged: true, which this runner does not allow; remove it from the job or enable allowPrivileged in the runner's configuration`,
    );
  }
  return containerOptions({
    image: job.image,
    workdir: job.workdir || DEFAULT_WORKDIR,
    user: job.user,
    privileged: job.privileged,
    resources: jobResources(job, input.defaultResources),
    ...input,
  });
}

/**
 * The create options of a pooled container: a job container as buildContainerOptions makes it for a job of the
 * slot, with no env (each step's exec carries it), on the pool's network (a container that has no network cannot
 * join one later); the job's networks are connected when a job takes it.
 */
export function buildPooledContainerOptions(
  slot: { image: string; workdir: string; resources: ExecResources },
  input: { name: string; labels: Record<string, string>; network: string },
): Dockerode.ContainerCreateOptions {
  return containerOptions({
    image: slot.image,
    workdir: slot.workdir,
    privileged: false,
    resources: slot.resources,
    env: {},
    ...input,
  });
}

interface ContainerShape extends Omit<ContainerOptionsInput, 'defaultResources' | 'allowPrivileged'> {
  image: string;
  workdir: string;
  user?: string;
  privileged: boolean;
  resources: ExecResources;
}

function containerOptions(input: ContainerShape): Dockerode.ContainerCreateOptions {
  const hostConfig: Dockerode.HostConfig = {
    SecurityOpt: ['no-new-privileges'],
    Privileged: input.privileged,
    Binds: input.dockerSocket ? [`${input.dockerSocket}:${input.dockerSocket}`] : [],
    Mounts: [],
    AutoRemove: false,
    RestartPolicy: { Name: 'no' },
  };
  if (input.network) hostConfig.NetworkMode = input.network;
  Object.assign(hostConfig, resourceLimits(input.resources));

  const options: Dockerode.ContainerCreateOptions = {
    name: input.name,
    Image: input.image,
    ...keepAliveCommand(),
    WorkingDir: input.workdir,
    Env: Object.entries(input.env).map(([key, value]) => `${key}=${value}`),
    Labels: input.labels,
    Tty: false,
    OpenStdin: false,
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    HostConfig: hostConfig,
  };
  if (input.user) options.User = input.user;
  return options;
}

/** The job's limits, each falling back to the default for jobs that set none. */
export function jobResources(job: JobRun, defaults: ExecResources | undefined): ExecResources {
  return { ...defaults, ...definedOnly(job.resources) };
}

/** Limits as HostConfig fields; none for a limit that is not set. */
export function resourceLimits(resources: ExecResources): Dockerode.HostConfig {
  const limits: Dockerode.HostConfig = {};
  if (resources.memoryBytes !== undefined) {
    limits.Memory = Math.round(resources.memoryBytes);
    // No swap on top: a job over its limit is killed, not slowed to a crawl.
    limits.MemorySwap = Math.round(resources.memoryBytes);
  }
  if (resources.cpus !== undefined) limits.NanoCpus = Math.round(resources.cpus * 1e9);
  if (resources.pids !== undefined) limits.PidsLimit = Math.round(resources.pids);
  return limits;
}

function definedOnly(resources: ExecResources): ExecResources {
  return Object.fromEntries(Object.entries(resources).filter(([, value]) => value !== undefined));
}
