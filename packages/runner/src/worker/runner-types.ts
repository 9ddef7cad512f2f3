import type { Clock, Executor, SecretSources } from '@ferry/engine';
import type { Redis } from 'ioredis';
import type { ExtraRunDeps, RunInfra } from './execute-run.js';
import type { Checkout } from './git-mirror.js';
import type { RunnerMetrics } from './runner-metrics.js';

export interface RunnerInfraDeps extends RunInfra {
  /** Removes what runs of dead processes on this host left; returns how many containers it removed. */
  reapOrphans(): Promise<number>;
}

export interface RunnerDeps {
  /** Opens a new connection (runner role: waits out outages). Called for commands and for pub/sub; all are closed on stop. */
  connect(): Redis;
  checkout: Checkout;
  createExecutor: (runId: string) => Executor;
  /** The container engine's upkeep; absent in benchmarks with a no-op executor. */
  infra?: RunnerInfraDeps;
  secrets: SecretSources;
  isProcessAlive: (pid: number) => boolean;
  metrics?: RunnerMetrics;
  clock?: Clock;
  log?: (line: string) => void;
  extraRunDeps?: ExtraRunDeps;
}

export interface RunnerConfig {
  /** Unique among live runners: `<host>-<pid>` unless named. */
  id: string;
  host: string;
  pid: number;
  version: string;
  labels: string[];
  /** Runs at once. */
  concurrency: number;
  /** Jobs at once within one run. */
  jobConcurrency: number;
  workdir: string;
  /** A runner that has not renewed a run's lease for this long is presumed dead: the run is retried or marked runner-lost. */
  leaseMs: number;
  /** First retry delay after an infrastructure failure; doubles per retry. */
  retryBackoffMs: number;
  /** How often an idle runner looks for runs when no wake-up message came. */
  pollMs: number;
  heartbeatMs: number;
  retentionMs: number;
  eventsMaxLen: number;
  /** The largest artifact archive kept in Redis for download; default 16 MiB. */
  artifactMaxBytes?: number;
  /** Where /healthz and /metrics are served, shown by `ferry runners`. */
  httpUrl?: string;
  /** Tool → image for GitHub and GitLab files (`--image node=ferry/node:20`); wins over a run request's. */
  images?: Record<string, string>;
}

export interface RunnerHealth {
  ok: boolean;
  id: string;
  redis: 'up' | 'down';
  draining: boolean;
  runs: string[];
  queues: string[];
}

export interface Runner {
  readonly id: string;
  readonly metrics: RunnerMetrics;
  health(): RunnerHealth;
  /**
   * Graceful stop: takes no new runs, lets the current ones finish for up to graceMs, then cancels the rest
   * (their containers removed), reports them, and closes every connection. Idempotent.
   */
  stop(options?: { graceMs?: number }): Promise<void>;
  /** Cancels every run it holds now, as the end of a grace period does (a second SIGTERM). */
  cancelRuns(): void;
}
