import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { BULLMQ_PREFIX } from './names.js';
import type { RunJobData } from './run-request.js';

/** Producer-side BullMQ queues, one per label set, opened on first use over one shared connection. */
export class RunQueues {
  readonly #queues = new Map<string, Queue<RunJobData>>();

  constructor(private readonly redis: Redis) {}

  get(name: string): Queue<RunJobData> {
    let queue = this.#queues.get(name);
    if (!queue) {
      queue = new Queue<RunJobData>(name, { connection: this.redis, prefix: BULLMQ_PREFIX });
      // Connection trouble surfaces as the failing call's own error; without a listener 'error' would throw.
      queue.on('error', () => undefined);
      this.#queues.set(name, queue);
    }
    return queue;
  }

  /** Closes the queues; the shared connection stays open (its owner closes it). */
  async close(): Promise<void> {
    await Promise.all([...this.#queues.values()].map((queue) => queue.close()));
    this.#queues.clear();
  }
}
