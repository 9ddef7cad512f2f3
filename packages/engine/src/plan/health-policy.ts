import type { ServiceSpec } from '../pipeline/pipeline-schema.js';
import { parseDuration } from '../pipeline/parse-duration.js';

/** What a check runs: an HTTP GET, a TCP connect, a shell command in the container, or nothing. */
export type HealthProbe =
  | { kind: 'http'; path: string; expect?: number; port?: number }
  | { kind: 'tcp'; port?: number }
  | { kind: 'cmd'; command: string }
  | { kind: 'none' };

/**
 * The one resolved meaning of a `health:` block, used by service rollouts, the healer and job sidecars alike
 * (Docker HEALTHCHECK semantics): failures during `startPeriodMs` are not counted, and a pass ends the start
 * period; `healthy` consecutive passes make a container healthy; `unhealthy` consecutive counted failures make
 * it unhealthy. `startIntervalMs` is how often a starting container is checked.
 */
export interface HealthPolicy {
  probe: HealthProbe;
  intervalMs: number;
  timeoutMs: number;
  startPeriodMs: number;
  startIntervalMs: number;
  healthy: number;
  unhealthy: number;
}

export type HealthSpec = NonNullable<ServiceSpec['health']>;

/** Defaults differ by user (a service probes every second, a CI sidecar every 500 ms with a long patience). */
export interface HealthDefaults {
  intervalMs: number;
  timeoutMs: number;
  startIntervalMs: number;
  unhealthy: number;
  /** The probe when the block names none: a service is probed on its port, a sidecar without a check is not. */
  probe: HealthProbe;
}

export const serviceHealthDefaults: HealthDefaults = {
  intervalMs: 1_000,
  timeoutMs: 1_000,
  startIntervalMs: 100,
  unhealthy: 3,
  probe: { kind: 'tcp' },
};

export const sidecarHealthDefaults: HealthDefaults = {
  intervalMs: 500,
  timeoutMs: 3_000,
  startIntervalMs: 500,
  unhealthy: 120,
  probe: { kind: 'none' },
};

const ms = (value: number | string | undefined, fallback: number) =>
  value === undefined ? fallback : parseDuration(value);

/** Resolves a pipeline `health:` block once; `retries` is Docker's name for `unhealthy`. */
export function resolveHealthPolicy(spec: HealthSpec | undefined, defaults: HealthDefaults): HealthPolicy {
  const h = spec ?? {};
  let probe: HealthProbe = defaults.probe;
  if (h.http !== undefined)
    probe =
      typeof h.http === 'string'
        ? { kind: 'http', path: h.http }
        : { kind: 'http', path: h.http.path, ...(h.http.expect !== undefined ? { expect: h.http.expect } : {}) };
  else if (h.cmd !== undefined) probe = { kind: 'cmd', command: h.cmd };
  else if (typeof h.tcp === 'number') probe = { kind: 'tcp', port: h.tcp };
  else if (h.tcp === true) probe = { kind: 'tcp' };
  return {
    probe,
    intervalMs: ms(h.interval, defaults.intervalMs),
    timeoutMs: ms(h.timeout, defaults.timeoutMs),
    startPeriodMs: ms(h.startPeriod, 0),
    startIntervalMs: ms(h.startInterval, defaults.startIntervalMs),
    healthy: h.healthy ?? 1,
    unhealthy: h.unhealthy ?? h.retries ?? defaults.unhealthy,
  };
}

/** Docker's HealthConfig (durations in ns), for containers Docker checks itself. */
export interface DockerHealthcheck {
  Test: string[];
  Interval: number;
  Timeout: number;
  Retries: number;
  StartPeriod: number;
}

const ns = 1_000_000;

/**
 * The policy as a Docker HEALTHCHECK, pure: `shell(probe)` turns an http/tcp probe into a command run inside the
 * container (the caller knows the image's tools and default port). Docker has no "healthy after N passes":
 * the caller counts `healthy` consecutive passes in the container's Health.Log (see healthyInLog).
 * None ⇒ undefined (the image's own HEALTHCHECK stays). No StartInterval: engine API 1.41 does not know it.
 */
export function toDockerHealthcheck(
  policy: HealthPolicy,
  shell: (probe: Exclude<HealthProbe, { kind: 'none' }>) => string,
): DockerHealthcheck | undefined {
  if (policy.probe.kind === 'none') return undefined;
  return {
    Test: ['CMD-SHELL', shell(policy.probe)],
    Interval: policy.intervalMs * ns,
    Timeout: policy.timeoutMs * ns,
    Retries: policy.unhealthy,
    StartPeriod: policy.startPeriodMs * ns,
  };
}

/** Whether the last `healthy` entries of Docker's Health.Log all passed (Docker keeps the last 5). */
export function healthyInLog(policy: HealthPolicy, log: ReadonlyArray<{ ExitCode?: number }>): boolean {
  const need = Math.min(policy.healthy, 5);
  const last = log.slice(-need);
  return last.length >= need && last.every((entry) => entry.ExitCode === 0);
}
