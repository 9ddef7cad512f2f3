import type { HealthPolicy } from '../plan/health-policy.js';

/** A service as the rollout sees it: the pipeline's `services.<name>` with defaults applied and durations in ms. */
export interface ResolvedService {
  name: string;
  image: string;
  replicas: number;
  /** Container port the replicas listen on. */
  port: number;
  /** Public port on 127.0.0.1 the proxy listens on; none = not routed (workers). */
  publish?: number;
  env: Record<string, string>;
  command?: string[];
  health: HealthCheck;
  init: boolean;
  minReadyMs: number;
  progressDeadlineMs: number;
  drainTimeoutMs: number;
  stopGraceMs: number;
  revisionHistory: number;
  rolling: {
    maxSurge: number | string;
    maxUnavailable: number | string;
    pauseMs: number;
    monitorMs: number;
    maxFailureRatio: number;
  };
  /** Set when the service's strategy is a canary. */
  canary?: CanaryConfig;
  /** sha256 of everything that makes a revision (image, env, command, port, health): equal ⇒ nothing to deploy. */
  configHash: string;
}

/** Docker HEALTHCHECK semantics, plus startInterval (probe often while starting): the one health policy. */
export type HealthCheck = HealthPolicy;

export interface Revision {
  number: number;
  image: string;
  configHash: string;
  createdAt: number;
  /** What the service looked like, so `ferry rollback --to N` can bring it back. */
  service: ResolvedService;
  outcome?: 'deployed' | 'rolled-back' | 'failed';
}

export interface Replica {
  id: string;
  name: string;
  service: string;
  revision: number;
  /** `127.0.0.1:<port>` published for this replica. */
  address: string;
  running: boolean;
  createdAt: number;
}

export interface CanaryStep {
  /** Traffic share of the canary pool, 0–100; absent on a pause-only step. */
  weight?: number;
  /** How long to hold the step; 'manual' waits for `ferry promote`. */
  pause: number | 'manual';
}

export interface CanaryAnalysis {
  intervalMs: number;
  windowMs: number;
  minRequests: number;
  maxErrorRate?: number;
  maxLatencyP99Ms?: number;
  maxLatencyRatio?: number;
  failureLimit: number;
  noData: 'hold' | 'fail';
}

export interface CanaryConfig {
  replicas: number | string;
  steps: CanaryStep[];
  analysis: CanaryAnalysis;
  sticky?: { cookie: string };
}
