import type Dockerode from 'dockerode';
import type { HealthPolicy } from '../../plan/health-policy.js';
import { toDockerHealthcheck } from '../../plan/health-policy.js';
import type { PlannedSidecar } from '../../plan/plan-types.js';

/** Probes that need only a POSIX shell plus whichever of nc, wget, curl or bash the image has. */
export function tcpProbe(port: number): string {
  // `nc -z` (netcat-openbsd, nmap's ncat); busybox's nc has no -z but connects and runs `-e true`.
  return `if command -v nc >/dev/null 2>&1; then nc -z -w 2 127.0.0.1 ${port} 2>/dev/null || nc -w 2 127.0.0.1 ${port} -e true; elif command -v bash >/dev/null 2>&1; then bash -c 'exec 3<>/dev/tcp/127.0.0.1/${port}'; else echo "no nc or bash in the image for a tcp check" >&2; exit 1; fi`;
}

export function httpProbe(port: number, path: string): string {
  const url = `http://127.0.0.1:${port}${path}`;
  return `if command -v wget >/dev/null 2>&1; then wget -q -O /dev/null '${url}'; elif command -v curl >/dev/null 2>&1; then curl -fsS -o /dev/null '${url}'; else echo "no wget or curl in the image for an http check" >&2; exit 1; fi`;
}

export interface SidecarHealth {
  /** Docker HEALTHCHECK for the container; undefined leaves the image's own (if any). */
  healthcheck?: Dockerode.HealthConfig;
  /** How long to wait for healthy before giving up. */
  deadlineMs: number;
  /** The resolved policy (`healthy` consecutive passes are counted from Health.Log by the waiter). */
  policy: HealthPolicy;
}

/**
 * The sidecar's health policy (resolved by the plan with plan/health-policy.ts's sidecar defaults: probe every
 * 500 ms, each probe up to 3 s) as a Docker HEALTHCHECK run inside the sidecar: `cmd` as a shell command,
 * `tcp: port` or `http: path` (port 80) as probes. Gives up after `unhealthy` failures past the start period
 * (60 s without a check).
 */
export function sidecarHealth(policy: HealthPolicy): SidecarHealth {
  const healthcheck = toDockerHealthcheck(policy, (probe) =>
    probe.kind === 'cmd'
      ? probe.command
      : probe.kind === 'tcp'
        ? tcpProbe(probe.port ?? 80)
        : httpProbe(probe.port ?? 80, probe.path),
  );
  if (!healthcheck) return { deadlineMs: 60_000, policy };
  const deadlineMs =
    Math.min(policy.startPeriodMs + policy.unhealthy * (policy.intervalMs + policy.timeoutMs), 10 * 60_000) || 60_000;
  return { healthcheck, deadlineMs: Math.max(deadlineMs, 1000), policy };
}

export interface SidecarOptionsInput {
  name: string;
  alias: string;
  network: string;
  labels: Record<string, string>;
}

/** A sidecar container: on the job's network under its alias, with an init, no-new-privileges, no binds. */
export function buildSidecarOptions(
  sidecar: PlannedSidecar,
  input: SidecarOptionsInput,
): Dockerode.ContainerCreateOptions {
  const health = sidecarHealth(sidecar.health);
  return {
    name: input.name,
    Image: sidecar.image,
    ...(sidecar.command ? { Cmd: sidecar.command } : {}),
    Env: Object.entries(sidecar.env).map(([key, value]) => `${key}=${value}`),
    Labels: input.labels,
    ...(health.healthcheck ? { Healthcheck: health.healthcheck } : {}),
    HostConfig: {
      NetworkMode: input.network,
      SecurityOpt: ['no-new-privileges'],
      Init: true,
      Binds: [],
      RestartPolicy: { Name: 'no' },
    },
    NetworkingConfig: { EndpointsConfig: { [input.network]: { Aliases: [input.alias] } } },
  };
}
