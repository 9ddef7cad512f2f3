import { Worker, type Job, type JobJson } from 'bullmq';
import type { Redis } from 'ioredis';
import { BULLMQ_PREFIX, coversLabels, labelsOfQueue } from '../queue/names.js';
import type { RunJobData } from '../queue/run-request.js';
import { retryDelayMs } from './retry-backoff.js';
import type { FetchedJob, RunJobResult } from './take-run-types.js';

export type { FetchedJob } from './take-run-types.js';

export interface QueueFetcherOptions {
  connection: Redis;
  runnerId: string;
  labels: string[];
  leaseMs: number;
  retryBackoffMs: number;
  /** A job moved back to wait by this runner's stalled check (its runner was lost). */
  onStalled(queue: string, jobId: string, worker: Worker<RunJobData, RunJobResult>): void;
  onError(error: Error): void;
}

/** A processor-less Worker that also turns the next job a completion fetched (`fetchNext`) into a Job. */
class FetchingWorker extends Worker<RunJobData, RunJobResult> {
  jobFrom(completed: unknown[], token: string): Promise<Job<RunJobData, RunJobResult> | undefined> {
    const [data, id] = completed as [JobJson | undefined, string | undefined];
    return this.nextJobFromJobData(data, id, token);
  }
}

/**
 * The BullMQ side of a runner: one processor-less Worker per queue whose label set the runner covers, used to
 * take jobs one at a time (so that one concurrency limit spans every queue) and to run BullMQ's stalled check.
 * Stalled check: a job whose lock (lease) lapsed is moved back to wait, once (maxStalledCount 1); the
 * second time BullMQ marks it for failure, and the runner taking it records `runner-lost`.
 */
export class QueueFetcher {
  readonly #workers = new Map<string, FetchingWorker>();
  #next = 0;
  #closed = false;

  constructor(private readonly options: QueueFetcherOptions) {}

  get queues(): string[] {
    return [...this.#workers.keys()];
  }

  /** Opens a worker for every queue in `names` this runner can serve and does not serve yet; returns the new ones. */
  async serve(names: readonly string[]): Promise<string[]> {
    const added: string[] = [];
    for (const name of names) {
      if (this.#closed || this.#workers.has(name)) continue;
      const labels = labelsOfQueue(name);
      if (labels === undefined || !coversLabels(this.options.labels, labels)) continue;
      const worker = new FetchingWorker(name, null, {
        connection: this.options.connection,
        prefix: BULLMQ_PREFIX,
        autorun: false,
        name: this.options.runnerId,
        lockDuration: this.options.leaseMs,
        stalledInterval: Math.max(500, Math.floor(this.options.leaseMs / 2)),
        maxStalledCount: 1,
        settings: {
          backoffStrategy: (attemptsMade: number) => retryDelayMs(attemptsMade, this.options.retryBackoffMs),
        },
      });
      worker.on('error', (error) => this.options.onError(error));
      worker.on('stalled', (jobId) => this.options.onStalled(name, jobId, worker));
      this.#workers.set(name, worker);
      await worker.startStalledCheckTimer();
      added.push(name);
    }
    return added;
  }

  /** Takes the next job from the served queues, trying each once, round robin; undefined when all are empty. */
  async fetch(tokenFor: () => string): Promise<FetchedJob | undefined> {
    const names = this.queues;
    for (let i = 0; i < names.length && !this.#closed; i += 1) {
      const name = names[(this.#next + i) % names.length] as string;
      const worker = this.#workers.get(name);
      if (!worker) continue;
      const token = tokenFor();
      const job = await worker.getNextJob(token, { block: false });
      if (job) {
        this.#next = (this.#next + i + 1) % names.length;
        return { job, token, queue: name };
      }
    }
    return undefined;
  }

  /**
   * The job a completion with `fetchNext` took from `queue` (BullMQ's answer to moveToCompleted), locked with
   * `token`; undefined when the queue was empty.
   */
  async next(queue: string, completed: unknown, token: string): Promise<FetchedJob | undefined> {
    const worker = this.#workers.get(queue);
    if (!worker || !Array.isArray(completed)) return undefined;
    const job = await worker.jobFrom(completed, token);
    return job ? { job, token, queue } : undefined;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(
      [...this.#workers.values()].map((worker) =>
        worker.close().catch((error: unknown) => this.options.onError(error as Error)),
      ),
    );
    this.#workers.clear();
  }
}
