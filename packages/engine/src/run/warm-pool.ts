import type { Executor, OutputStream, PrepareOptions } from '../exec/executor.js';
import type { JobRun } from '../plan/plan-types.js';

interface Warm {
  job: JobRun;
  prepared: Promise<void>;
  lines: { stream: OutputStream; line: string }[];
  controller: AbortController;
}

export interface TakenContainer {
  /** Rejects as prepare would have. */
  prepared: Promise<void>;
  /** What prepare printed, to be shown once the job has started. */
  lines: { stream: OutputStream; line: string }[];
}

/**
 * Containers prepared ahead of time for jobs whose needs are still running, so that a dependent's container
 * creation and workspace copy are off the critical path. A job takes its warm container when it starts; one
 * that is skipped instead has it discarded. Every discard is a teardown the run awaits before it ends.
 */
export class WarmPool {
  readonly #warm = new Map<string, Warm>();

  constructor(
    private readonly executor: Executor,
    private readonly signal: AbortSignal | undefined,
  ) {}

  get size(): number {
    return this.#warm.size;
  }

  /** The JobRuns holding a warm container. */
  ids(): string[] {
    return [...this.#warm.keys()];
  }

  has(jobRunId: string): boolean {
    return this.#warm.has(jobRunId);
  }

  /** `options` may still be in the making (the job's checkout); a rejection counts as the prepare's. */
  start(job: JobRun, options: Promise<PrepareOptions>): void {
    const controller = new AbortController();
    const onAbort = () => controller.abort(this.signal?.reason);
    this.signal?.addEventListener('abort', onAbort, { once: true });
    const lines: Warm['lines'] = [];
    const prepared = options.then((ready) =>
      this.executor.prepare(job, ready, {
        signal: controller.signal,
        onLine: (stream, line) => lines.push({ stream, line }),
      }),
    );
    prepared.catch(() => undefined).finally(() => this.signal?.removeEventListener('abort', onAbort));
    this.#warm.set(job.id, { job, prepared, lines, controller });
  }

  take(jobRunId: string): TakenContainer | undefined {
    const warm = this.#warm.get(jobRunId);
    if (!warm) return undefined;
    this.#warm.delete(jobRunId);
    return { prepared: warm.prepared, lines: warm.lines };
  }

  /** Aborts the preparation if still going and tears the container down; never rejects. */
  discard(jobRunId: string): Promise<void> {
    const warm = this.#warm.get(jobRunId);
    if (!warm) return Promise.resolve();
    this.#warm.delete(jobRunId);
    warm.controller.abort();
    return warm.prepared
      .catch(() => undefined)
      .then(() => this.executor.teardown(warm.job))
      .catch(() => undefined);
  }

  discardAll(): Promise<void> {
    return Promise.all([...this.#warm.keys()].map((id) => this.discard(id))).then(() => undefined);
  }
}
