import type { RunRequest } from './run-request.js';

/**
 * queued → running → success | failed | cancelled   (the pipeline's own outcome)
 *                  → retrying → running …           (an infrastructure failure, retried with backoff)
 *                  → error                           (not runnable: invalid pipeline, or retries exhausted)
 *                  → queued (runner lost) → running  (a runner died; the run is retried once)
 *                  → runner-lost                     (its runner died a second time)
 * queued | retrying → cancelled                      (`ferry cancel` before a runner took it)
 */
export type RunRecordStatus =
  'queued' | 'running' | 'retrying' | 'success' | 'failed' | 'cancelled' | 'error' | 'runner-lost';

export const finalStatuses: readonly RunRecordStatus[] = ['success', 'failed', 'cancelled', 'error', 'runner-lost'];

export function isFinalStatus(status: string): status is RunRecordStatus {
  return (finalStatuses as readonly string[]).includes(status);
}

/** What Redis keeps about a run (hash `ferry:run:<id>`). Written by the producer, then by the runner holding the run. */
export interface RunRecord {
  id: string;
  status: RunRecordStatus;
  repo: string;
  sha: string;
  ref: string;
  pipeline?: string;
  trigger: string;
  labels: string[];
  secrets: boolean;
  /** BullMQ queue holding the run. */
  queue: string;
  /** The idempotency key the run was enqueued with, if any. */
  key?: string;
  enqueuedAt: number;
  /** When the current (or last) attempt started. */
  startedAt?: number;
  /** When the first attempt started: enqueue → first start is the queue wait. */
  firstStartedAt?: number;
  finishedAt?: number;
  /** Runner of the current (or last) attempt. */
  runner?: string;
  /** 1 for the first attempt; grows with infrastructure retries and runner losses. */
  attempt: number;
  /** Times a runner was lost while holding the run. */
  lost: number;
  reason?: string;
  cancelRequestedAt?: number;
  planHash?: string;
  pipelineName?: string;
  /** Pipeline run duration (the engine's), once finished. */
  durationMs?: number;
  /** Per JobRun status once finished. */
  jobs?: Record<string, string>;
}

/** The fields a new record starts with. */
export function newRunRecord(
  id: string,
  request: RunRequest,
  queue: string,
  enqueuedAt: number,
  key: string | undefined,
): RunRecord {
  return {
    id,
    status: 'queued',
    repo: request.repo,
    sha: request.sha,
    ref: request.ref,
    ...(request.pipeline !== undefined ? { pipeline: request.pipeline } : {}),
    trigger: request.trigger,
    labels: request.labels,
    secrets: request.secrets,
    queue,
    ...(key !== undefined ? { key } : {}),
    enqueuedAt,
    attempt: 0,
    lost: 0,
  };
}

const numberFields = [
  'enqueuedAt',
  'startedAt',
  'firstStartedAt',
  'finishedAt',
  'attempt',
  'lost',
  'cancelRequestedAt',
  'durationMs',
] as const;
const jsonFields = ['labels', 'jobs'] as const;

/** Flattens (part of) a record into hash field/value pairs; undefined values are left out. */
export function encodeRunRecord(record: Partial<RunRecord>): string[] {
  const pairs: string[] = [];
  for (const [field, value] of Object.entries(record)) {
    if (value === undefined) continue;
    if ((jsonFields as readonly string[]).includes(field)) pairs.push(field, JSON.stringify(value));
    else if (typeof value === 'boolean') pairs.push(field, value ? '1' : '0');
    else
      pairs.push(field, typeof value === 'string' || typeof value === 'number' ? String(value) : JSON.stringify(value));
  }
  return pairs;
}

/** Reads a hash back; undefined when it is empty (no such run) or lacks the fields every record has. */
export function decodeRunRecord(hash: Record<string, string>): RunRecord | undefined {
  if (!hash.id || !hash.status || !hash.queue) return undefined;
  const record: Record<string, unknown> = { ...hash };
  for (const field of numberFields) {
    if (hash[field] !== undefined) record[field] = Number(hash[field]);
  }
  for (const field of jsonFields) {
    if (hash[field] !== undefined) {
      try {
        record[field] = JSON.parse(hash[field]);
      } catch {
        delete record[field];
      }
    }
  }
  record.secrets = hash.secrets === '1';
  record.labels ??= [];
  record.attempt ??= 0;
  record.lost ??= 0;
  delete record.token;
  return record as unknown as RunRecord;
}
