/** How long records, event streams and finished BullMQ jobs are kept, and how retries are bounded. */
export interface QueuePolicy {
  /** Attempts a run gets for infrastructure failures (clone failed, Docker unreachable), the first included. */
  attempts: number;
  /** Finished runs (record, events, BullMQ job) are kept this long; an idempotency key is remembered as long. */
  retentionMs: number;
  /** Events kept per run (XADD MAXLEN ~): a run that logs more keeps its latest events. */
  eventsMaxLen: number;
}

export const defaultQueuePolicy: QueuePolicy = {
  attempts: 3,
  retentionMs: 7 * 24 * 3600 * 1000,
  eventsMaxLen: 10_000,
};

/** The backoff type stored in each job; the runner's worker computes the delay (see worker/retry-backoff.ts). */
export const BACKOFF_TYPE = 'ferry';
