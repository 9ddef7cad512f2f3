import { createHash } from 'node:crypto';
import type { ServiceSpec } from '../pipeline/pipeline-schema.js';
import { parseDuration } from '../pipeline/parse-duration.js';
import type { CanaryConfig, HealthCheck, HealthProbe, ResolvedService } from './deploy-types.js';

const ms = (value: number | string | undefined, fallback: number) =>
  value === undefined ? fallback : parseDuration(value);

/**
 * Applies Ferry's defaults. They favour zero downtime: start-first (maxSurge 1, maxUnavailable 0), admit after
 * one passing check, probe a starting replica every 100 ms, and watch 5 s after the last batch (Swarm's monitor).
 * `image` is the rendered image reference (templates resolved by the caller).
 */
export function resolveService(name: string, spec: ServiceSpec, image: string): ResolvedService {
  const health = resolveHealth(spec);
  const env = Object.fromEntries(Object.entries(spec.env ?? {}).map(([key, value]) => [key, String(value)]));
  const command =
    spec.command === undefined
      ? undefined
      : typeof spec.command === 'string'
        ? ['sh', '-c', spec.command]
        : spec.command;
  const rolling = spec.strategy?.rolling ?? {};
  const init = spec.init ?? true;
  const configHash = createHash('sha256')
    .update(JSON.stringify({ image, env, command: command ?? null, port: spec.port, health, init }))
    .digest('hex');
  const canary = spec.strategy?.canary;
  return {
    ...(canary ? { canary: resolveCanary(canary) } : {}),
    name,
    image,
    replicas: spec.replicas ?? 1,
    port: spec.port,
    ...(spec.publish !== undefined ? { publish: spec.publish } : {}),
    env,
    ...(command ? { command } : {}),
    health,
    init,
    minReadyMs: ms(spec.minReady, 0),
    progressDeadlineMs: ms(spec.progressDeadline, 120_000),
    drainTimeoutMs: ms(spec.drainTimeout, 30_000),
    stopGraceMs: ms(spec.stopGrace, 10_000),
    revisionHistory: spec.revisionHistory ?? 10,
    rolling: {
      maxSurge: rolling.maxSurge ?? 1,
      maxUnavailable: rolling.maxUnavailable ?? 0,
      pauseMs: ms(rolling.pause, 0),
      monitorMs: ms(rolling.monitor, 5_000),
      maxFailureRatio: rolling.maxFailureRatio ?? 0,
    },
    configHash,
  };
}

function resolveHealth(spec: ServiceSpec): HealthCheck {
  const h = spec.health ?? {};
  let probe: HealthProbe;
  if (h.http !== undefined)
    probe =
      typeof h.http === 'string'
        ? { kind: 'http', path: h.http }
        : { kind: 'http', path: h.http.path, ...(h.http.expect !== undefined ? { expect: h.http.expect } : {}) };
  else if (h.cmd !== undefined) probe = { kind: 'cmd', command: h.cmd };
  else probe = { kind: 'tcp' };
  return {
    probe,
    intervalMs: ms(h.interval, 1_000),
    timeoutMs: ms(h.timeout, 1_000),
    startPeriodMs: ms(h.startPeriod, 0),
    startIntervalMs: ms(h.startInterval, 100),
    healthy: h.healthy ?? 1,
    unhealthy: h.unhealthy ?? h.retries ?? 3,
  };
}

type CanarySpec = NonNullable<NonNullable<ServiceSpec['strategy']>['canary']>;

/** Argo-style steps; analysis defaults: every 5 s over the last 30 s, 20 requests minimum, first failure aborts. */
function resolveCanary(canary: CanarySpec): CanaryConfig {
  const a = canary.analysis ?? {};
  return {
    replicas: canary.replicas ?? 1,
    steps: canary.steps.map((step) => {
      const pause =
        step.pause === undefined ? 0 : typeof step.pause === 'object' ? ('manual' as const) : parseDuration(step.pause);
      return 'weight' in step && step.weight !== undefined ? { weight: step.weight, pause } : { pause };
    }),
    analysis: {
      intervalMs: ms(a.interval, 5_000),
      windowMs: ms(a.window, 30_000),
      minRequests: a.minRequests ?? 20,
      ...(a.maxErrorRate !== undefined ? { maxErrorRate: a.maxErrorRate } : {}),
      ...(a.maxLatencyP99 !== undefined ? { maxLatencyP99Ms: parseDuration(a.maxLatencyP99) } : {}),
      ...(a.maxLatencyRatio !== undefined ? { maxLatencyRatio: a.maxLatencyRatio } : {}),
      failureLimit: a.failureLimit ?? 0,
      noData: a.noData ?? 'hold',
    },
    ...(canary.sticky ? { sticky: canary.sticky } : {}),
  };
}
