import { FerryError } from '@ferry/engine';
import type { Redis } from 'ioredis';
import { channels } from './names.js';
import type { QueuePolicy } from './queue-policy.js';
import { finishRunRecord, requestRunCancel } from './record-scripts.js';
import type { RunRecordStatus } from './run-record.js';
import type { RunQueues } from './run-queues.js';

export type CancelResult =
  /** It was still queued: removed from the queue and finished as `cancelled`. */
  | { outcome: 'cancelled' }
  /** A runner holds it: the runner was told and stops it (removing its containers) within seconds. */
  | { outcome: 'cancelling'; status: RunRecordStatus }
  /** It had already finished. */
  | { outcome: 'finished'; status: RunRecordStatus };

/**
 * Cancels a run. The record is marked first, so that a runner taking the run a moment later cancels it
 * instead of starting it; then the runner holding it is told over pub/sub (and sees the mark at its next
 * lease renewal should the message be lost). Throws FerryError QUEUE_RUN_NOT_FOUND.
 */
export async function cancelRun(
  redis: Redis,
  queues: RunQueues,
  policy: QueuePolicy,
  runId: string,
  now = Date.now(),
): Promise<CancelResult> {
  const request = await requestRunCancel(redis, runId, now);
  if (request.outcome === 'missing')
    throw new FerryError(
      'QUEUE_RUN_NOT_FOUND',
      `no run "${runId}" in the queue (finished runs are kept for ${Math.round(policy.retentionMs / 86_400_000)} days)`,
    );
  if (request.outcome === 'final') return { outcome: 'finished', status: request.status as RunRecordStatus };
  await redis.publish(channels.cancel, runId);
  if (request.status === 'queued' || request.status === 'retrying') {
    const queue = queues.get(request.queue);
    // 0 when a runner holds the job (locked): that runner honours the mark.
    const removed = (await queue.remove(runId)) === 1 || (await queue.getJob(runId)) === undefined;
    if (removed) {
      const finished = await finishRunRecord(redis, runId, {
        token: undefined,
        attempt: 0,
        result: {
          type: 'run.result',
          status: 'cancelled',
          reason: 'cancelled before a runner took it',
          time: now,
          runId,
        },
        fields: { finishedAt: now },
        retentionMs: policy.retentionMs,
        eventsMaxLen: policy.eventsMaxLen,
      });
      if (finished) return { outcome: 'cancelled' };
    }
  }
  return { outcome: 'cancelling', status: request.status as RunRecordStatus };
}
