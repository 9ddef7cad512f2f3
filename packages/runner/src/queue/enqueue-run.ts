import { FerryError } from '@ferry/engine';
import type { Redis } from 'ioredis';
import { channels, keys, queueNameFor } from './names.js';
import type { QueuePolicy } from './queue-policy.js';
import { BACKOFF_TYPE } from './queue-policy.js';
import { createRunRecord } from './record-scripts.js';
import { runIdFor } from './run-id.js';
import { decodeRunRecord, newRunRecord, type RunRecordStatus } from './run-record.js';
import type { RunJobData, RunRequest, RunRequestInput } from './run-request.js';
import { parseRunRequest } from './run-request.js';
import type { RunQueues } from './run-queues.js';

export interface EnqueueOptions {
  /** Idempotency key (a webhook delivery id, or the caller's own): the same key queues one run. */
  key?: string;
  now?: number;
}

export interface EnqueueResult {
  runId: string;
  /** false when a run with this key already existed; status and queue are then that run's. */
  created: boolean;
  status: RunRecordStatus;
  queue: string;
}

/**
 * Queues a run: creates its record (unless the key's run exists; the script also names its queue for the
 * runners), then adds the BullMQ job with the run id as job id, and wakes idle runners. With a key that is two
 * round trips; both steps are idempotent, so repeating a request, also after a crash between them, queues one
 * run. Without a key the run id is new, and both go in one round trip.
 * Throws FerryError QUEUE_REQUEST_INVALID for a bad request.
 */
export async function enqueueRun(
  redis: Redis,
  queues: RunQueues,
  policy: QueuePolicy,
  input: RunRequestInput,
  options: EnqueueOptions = {},
): Promise<EnqueueResult> {
  const parsed = parseRunRequest(input);
  if (!parsed.ok)
    throw new FerryError('QUEUE_REQUEST_INVALID', `invalid run request:\n  ${parsed.problems.join('\n  ')}`);
  const now = options.now ?? Date.now();
  const runId = runIdFor(options.key, now);
  const record = newRunRecord(runId, parsed.request, queueNameFor(parsed.request.labels), now, options.key);
  const keepSeconds = Math.ceil(policy.retentionMs / 1000);
  const add = (queue: string, data: RunJobData) =>
    queues.get(queue).add('run', data, {
      jobId: runId,
      attempts: policy.attempts,
      backoff: { type: BACKOFF_TYPE },
      removeOnComplete: { age: keepSeconds },
      removeOnFail: { age: keepSeconds },
    });
  let created: Awaited<ReturnType<typeof createRunRecord>>;
  if (options.key === undefined) {
    // A new id: no run can have it, so the job need not wait for the record. Both are sent at once on this one
    // connection, which Redis serves in order: the record is written before the job exists, as below. (Should
    // Redis not know the record script, its EVAL follows the job: a runner that takes the job first makes the
    // record from the job, as claimRunRecord does for a lost one, and the script then reports that run.)
    const [outcome] = await Promise.all([
      createRunRecord(redis, record, now - policy.retentionMs),
      add(record.queue, { v: 1, request: parsed.request, enqueuedAt: now }),
    ]);
    created = outcome;
  } else {
    created = await createRunRecord(redis, record, now - policy.retentionMs);
    if (created.status !== 'queued') return { runId, created: false, status: created.status, queue: created.queue };
    let data: RunJobData = { v: 1, request: parsed.request, enqueuedAt: now };
    if (!created.created) {
      // Re-adding a queued run: what was first asked for wins over this repetition.
      const existing = decodeRunRecord(await redis.hgetall(keys.run(runId)));
      if (existing?.cancelRequestedAt !== undefined)
        return { runId, created: false, status: existing.status, queue: created.queue };
      if (existing) data = { v: 1, request: requestOf(existing), enqueuedAt: existing.enqueuedAt };
    }
    await add(created.queue, data);
  }
  // The wake-up is a hint (idle runners also poll): sent after the add on the same connection, not waited for.
  redis.publish(channels.wake, created.queue).catch(() => undefined);
  return { runId, created: created.created, status: created.status, queue: created.queue };
}

/** The request that queues a run again as `record` was queued: same commit, pipeline, trigger, labels and secrets policy. */
export function requestOf(record: {
  repo: string;
  sha: string;
  ref: string;
  pipeline?: string;
  trigger: string;
  labels: string[];
  secrets: boolean;
}): RunRequest {
  return {
    repo: record.repo,
    sha: record.sha,
    ref: record.ref,
    ...(record.pipeline !== undefined ? { pipeline: record.pipeline } : {}),
    trigger: record.trigger as RunRequest['trigger'],
    labels: record.labels,
    secrets: record.secrets,
  };
}
