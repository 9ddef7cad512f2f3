import type { Clock } from '@ferry/engine';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { RunRecordStatus } from '../queue/run-record.js';
import type { RunJobData } from '../queue/run-request.js';
import type { ExecuteRunDeps } from './execute-run.js';
import type { RunnerMetrics } from './runner-metrics.js';

/** What taking a run needs from the runner that took it. */
export interface TakeRunContext {
  /** The runner's command connection (never a blocking one). */
  redis: Redis;
  runnerId: string;
  workdir: string;
  leaseMs: number;
  retryBackoffMs: number;
  jobConcurrency: number;
  eventsMaxLen: number;
  retentionMs: number;
  execute: ExecuteRunDeps;
  metrics: RunnerMetrics;
  clock: Clock;
  log(line: string): void;
  /** Registers the attempt's controller so that `ferry cancel` and shutdown can abort it. */
  track(runId: string, controller: AbortController): () => void;
  /** Whether completing a run of `queue` may take that queue's next job in the same call. */
  fetchNext?(queue: string): boolean;
  /** That next job, from BullMQ's answer to the completion. */
  nextJob?(queue: string, completed: unknown, token: string): Promise<FetchedJob | undefined>;
}

/** What the BullMQ job returns for a run that finished (its returnvalue). */
export interface RunJobResult {
  status: RunRecordStatus;
  durationMs?: number;
  jobs?: Record<string, string>;
}

/** A job a runner took, with the lock token it holds it by, and its queue. */
export interface FetchedJob {
  job: Job<RunJobData, RunJobResult>;
  token: string;
  queue: string;
}
