import type { Redis } from 'ioredis';
import { cancelRun, type CancelResult } from './cancel-run.js';
import { enqueueRun, type EnqueueOptions, type EnqueueResult } from './enqueue-run.js';
import { followRunEvents, type FollowOptions } from './follow-run.js';
import { defaultQueuePolicy, type QueuePolicy } from './queue-policy.js';
import { getRun, listRuns, waitForFinalRun } from './read-runs.js';
import type { RunRecord } from './run-record.js';
import type { RunRequestInput } from './run-request.js';
import { keys, labelsOfQueue } from './names.js';
import { RunQueues } from './run-queues.js';
import { listRunners, type RunnerInfo } from './runner-info.js';
import type { StreamEntry } from './stream-entry.js';

/**
 * The queue as producers and operators see it (`ferry enqueue`, `ferry cancel`, the webhook server, the API).
 * Uses the connection it is given and never closes it.
 */
export class RunQueue {
  readonly #queues: RunQueues;

  constructor(
    private readonly redis: Redis,
    readonly policy: QueuePolicy = defaultQueuePolicy,
  ) {
    this.#queues = new RunQueues(redis);
  }

  enqueue(request: RunRequestInput, options: EnqueueOptions = {}): Promise<EnqueueResult> {
    return enqueueRun(this.redis, this.#queues, this.policy, request, options);
  }

  cancel(runId: string): Promise<CancelResult> {
    return cancelRun(this.redis, this.#queues, this.policy, runId);
  }

  get(runId: string): Promise<RunRecord | undefined> {
    return getRun(this.redis, runId);
  }

  list(options: { limit?: number } = {}): Promise<RunRecord[]> {
    return listRuns(this.redis, options);
  }

  waitForFinal(runId: string, options: { timeoutMs: number; signal?: AbortSignal }): Promise<RunRecord | undefined> {
    return waitForFinalRun(this.redis, runId, options);
  }

  runners(): Promise<RunnerInfo[]> {
    return listRunners(this.redis);
  }

  /** Each label set's queue with the runs waiting (queued or delayed for a retry) and active in it. */
  async depths(): Promise<{ queue: string; labels: string[]; waiting: number; active: number }[]> {
    const names = (await this.redis.smembers(keys.queues)).sort();
    return Promise.all(
      names.map(async (name) => {
        const counts = await this.#queues.get(name).getJobCounts('waiting', 'prioritized', 'delayed', 'active');
        return {
          queue: name,
          labels: labelsOfQueue(name) ?? [],
          waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0),
          active: counts.active ?? 0,
        };
      }),
    );
  }

  /** Follows a run's events on `blocking`, a connection used for nothing else (XREAD BLOCK holds it). */
  follow(blocking: Redis, runId: string, options: FollowOptions = {}): AsyncGenerator<StreamEntry> {
    return followRunEvents(blocking, runId, options);
  }

  async close(): Promise<void> {
    await this.#queues.close();
  }
}
