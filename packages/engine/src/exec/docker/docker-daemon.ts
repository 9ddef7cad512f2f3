import type Dockerode from 'dockerode';
import { resolveHealthPolicy, sidecarHealthDefaults } from '../../plan/health-policy.js';
import type { PlannedSidecar } from '../../plan/plan-types.js';
import { buildSidecarOptions, type SidecarOptionsInput } from './sidecar-options.js';
import { resourceLimits, type ExecResources } from './build-container-options.js';

/** The host name of a job's Docker daemon on the job's network, and the port it answers on (plain TCP). */
export const DOCKER_DAEMON_ALIAS = 'docker';
export const DOCKER_DAEMON_PORT = 2375;
/** Built by scripts/build-images.sh: busybox, the docker CLI, dockerd, containerd, runc, iptables. */
export const DEFAULT_DOCKER_IMAGE = 'ferry/docker:20';
export const HOST_DOCKER_SOCKET = '/var/run/docker.sock';

/**
 * The sidecar that gives a `docker: true` job its own daemon: the image's `dockerd-entrypoint` serving plain TCP
 * on the job's network (no TLS: that network holds only the job and its services) and a unix socket inside (for
 * tools such as Testcontainers' reaper that mount it). dockerd picks its storage driver itself (overlay2 on the
 * data volume, else vfs). Healthy once `docker version` answers, given a minute to start.
 */
export function dockerDaemonSidecar(image: string): PlannedSidecar {
  return {
    image,
    pull: 'if-not-present',
    command: [
      'dockerd-entrypoint',
      `--host=tcp://0.0.0.0:${DOCKER_DAEMON_PORT}`,
      '--host=unix:///var/run/docker.sock',
      '--tls=false',
    ],
    env: {},
    health: resolveHealthPolicy(
      {
        cmd: 'docker --host=unix:///var/run/docker.sock version',
        interval: '250ms',
        startInterval: '250ms',
        timeout: '5s',
        startPeriod: '60s',
        unhealthy: 3,
      },
      sidecarHealthDefaults,
    ),
  };
}

/**
 * The daemon sidecar's create options: a sidecar's (labels, network alias, init, no-new-privileges) that may nest
 * containers, without --privileged: every capability but CAP_SYS_RESOURCE (an engine whose own bounding set lacks a
 * capability refuses --privileged outright), no seccomp or AppArmor profile, no masked or read-only /proc paths,
 * every device allowed by the device cgroup (no host device is mounted), and /var/lib/docker on an anonymous volume
 * carrying the same labels, so that overlay2 works and the reaper finds it; it is removed with the container.
 * The job's limits apply to the daemon too, and so to every container the job starts in it (they nest in its cgroup).
 */
export function buildDockerDaemonOptions(
  sidecar: PlannedSidecar,
  input: SidecarOptionsInput,
  resources: ExecResources = {},
): Dockerode.ContainerCreateOptions {
  const options = buildSidecarOptions(sidecar, input);
  options.HostConfig = {
    ...options.HostConfig,
    ...resourceLimits(resources),
    CapAdd: ['ALL'],
    CapDrop: ['SYS_RESOURCE'],
    SecurityOpt: ['no-new-privileges', 'seccomp=unconfined', 'apparmor=unconfined'],
    MaskedPaths: [],
    ReadonlyPaths: [],
    DeviceCgroupRules: ['a *:* rwm'],
    Mounts: [
      {
        Type: 'volume',
        Source: '',
        Target: '/var/lib/docker',
        VolumeOptions: { Labels: input.labels, NoCopy: false, DriverConfig: { Name: 'local', Options: {} } },
      },
    ],
  };
  return options;
}

/** The job's environment for each mode (the job's own `DOCKER_HOST` wins). */
export function dockerHostEnv(mode: 'sidecar' | 'host-socket'): Record<string, string> {
  return {
    DOCKER_HOST:
      mode === 'sidecar' ? `tcp://${DOCKER_DAEMON_ALIAS}:${DOCKER_DAEMON_PORT}` : `unix://${HOST_DOCKER_SOCKET}`,
  };
}
