import type { OutputStream } from '../exec/executor.js';

export type JobStatus = 'success' | 'failed' | 'cancelled' | 'timed-out' | 'skipped';
export type RunStatus = 'success' | 'failed' | 'cancelled';

interface EventBase {
  /** Run-wide, starts at 1, no gaps: a consumer that sees a gap lost an event. */
  seq: number;
  /** ms since epoch */
  time: number;
  runId: string;
}

export type RunEventBody =
  | {
      type: 'run.started';
      pipeline: string;
      planHash: string;
      jobs: string[];
      concurrency: number;
      /** The DAG's edges: each job's direct needs (from `needs`, or from stage order). Absent in older streams. */
      needs?: Record<string, string[]>;
    }
  | { type: 'job.waiting'; job: string; reason: string }
  | { type: 'job.started'; job: string; attempt: number; image: string }
  | { type: 'job.retrying'; job: string; attempt: number; reason: string }
  | { type: 'job.skipped'; job: string; reason: string }
  | { type: 'step.started'; job: string; step: number; name: string }
  | { type: 'step.log'; job: string; step: number; stream: OutputStream; line: string }
  | { type: 'step.skipped'; job: string; step: number; name: string; reason: string }
  | {
      type: 'step.finished';
      job: string;
      step: number;
      name: string;
      exitCode: number;
      status: 'success' | 'failed' | 'timed-out' | 'cancelled';
      allowedFailure: boolean;
      durationMs: number;
    }
  | { type: 'job.log'; job: string; stream: OutputStream; line: string }
  | {
      type: 'job.finished';
      job: string;
      status: JobStatus;
      allowedFailure: boolean;
      durationMs: number;
      /** 0 for a job cancelled before it started (a failed matrix sibling, with failFast). */
      attempt: number;
      outputs: Record<string, string>;
      error?: string;
    }
  | {
      type: 'deploy.started';
      job: string;
      service: string;
      revision: number;
      previous?: number;
      image: string;
      replicas: number;
    }
  | {
      type: 'deploy.replica';
      job: string;
      service: string;
      replica: string;
      revision: number;
      state: 'started' | 'admitted' | 'draining' | 'removed' | 'failed';
      detail?: string;
    }
  | {
      type: 'deploy.progress';
      job: string;
      service: string;
      oldServing: number;
      newAvailable: number;
      newPending: number;
      containers: number;
    }
  | { type: 'deploy.rollback'; job: string; service: string; from: number; to?: number; reason: string }
  | { type: 'deploy.canary'; job: string; service: string; step: number; weight: number; pause: number | 'manual' }
  | {
      type: 'deploy.analysis';
      job: string;
      service: string;
      step: number;
      verdict: 'pass' | 'fail' | 'inconclusive';
      message: string;
      canary: { requests: number; errorRate: number | null; p99Ms: number | null };
      stable: { requests: number; errorRate?: number | null; p99Ms: number | null };
    }
  | {
      type: 'deploy.finished';
      job: string;
      service: string;
      status: 'deployed' | 'unchanged' | 'rolled-back' | 'failed' | 'paused';
      revision?: number;
      message: string;
    }
  | { type: 'run.finished'; status: RunStatus; durationMs: number; summary: Record<JobStatus, number> };

export type RunEvent = EventBase & RunEventBody;
export type RunEventType = RunEvent['type'];
