import { parseDuration } from '../pipeline/parse-duration.js';
import type { ServiceSpec } from '../pipeline/pipeline-schema.js';
import type { CanaryConfig } from '../deploy/deploy-types.js';
import { resolveHealthPolicy, serviceHealthDefaults } from './health-policy.js';
import type { PlannedService } from './plan-types.js';
import { argv, stringMap } from './translate-job.js';

const ms = (value: number | string | undefined, fallback: number) =>
  value === undefined ? fallback : parseDuration(value);

/**
 * Applies Ferry's defaults. They favour zero downtime: start-first (maxSurge 1, maxUnavailable 0), admit after
 * one passing check, probe a starting replica every 100 ms, and watch 5 s after the last batch (Swarm's monitor).
 */
export function planService(name: string, spec: ServiceSpec): PlannedService {
  const command = spec.command === undefined ? undefined : argv(spec.command);
  const rolling = spec.strategy?.rolling ?? {};
  const canary = spec.strategy?.canary;
  return {
    ...(canary ? { canary: planCanary(canary) } : {}),
    name,
    image: spec.image,
    replicas: spec.replicas ?? 1,
    port: spec.port,
    ...(spec.publish !== undefined ? { publish: spec.publish } : {}),
    env: stringMap(spec.env),
    ...(command ? { command } : {}),
    health: resolveHealthPolicy(spec.health, serviceHealthDefaults),
    init: spec.init ?? true,
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
  };
}

type CanarySpec = NonNullable<NonNullable<ServiceSpec['strategy']>['canary']>;

/** Argo-style steps; analysis defaults: every 5 s over the last 30 s, 20 requests minimum, first failure aborts. */
function planCanary(canary: CanarySpec): CanaryConfig {
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
