import type { FetchedJob, QueueFetcher } from './queue-fetcher.js';

/** Wakes the dispatch loop early: a wake-up message came, a slot came free, or the runner is stopping. */
export class Waker {
  /** Grows with every wake-up message, so the loop can tell one came while it was fetching. */
  wakeups = 0;
  #resolve: (() => void) | undefined;

  wake(): void {
    const resolve = this.#resolve;
    this.#resolve = undefined;
    resolve?.();
  }

  /** Resolves after ms, or at the next wake(). One sleeper at a time. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#resolve = done;
    });
  }
}

export interface DispatchLoopOptions {
  fetcher: QueueFetcher;
  concurrency: number;
  pollMs: number;
  waker: Waker;
  /** Runs in progress; the loop adds each run it starts, the run removes itself when done. */
  inflight: Set<Promise<void>>;
  isStopping(): boolean;
  tokenFor(): string;
  /** Runs a job; resolves with the next job when completing it took one (its slot goes to that job). */
  take(fetched: FetchedJob): Promise<FetchedJob | undefined>;
  onError(error: Error): void;
}

/**
 * Takes runs while there is a free slot: fetches from the served queues; when they are empty, sleeps until a
 * wake-up message (an enqueue) or pollMs (delayed retries become due without one). A run whose completion took
 * the queue's next job hands its slot to that job. Ends once stopping; a job fetched in that instant goes back
 * to wait untouched.
 */
export async function runDispatchLoop(options: DispatchLoopOptions): Promise<void> {
  const { fetcher, waker, inflight } = options;
  const start = (fetched: FetchedJob): void => {
    const taken = options.take(fetched).catch((error: unknown) => {
      options.onError(error as Error);
      return undefined;
    });
    const run: Promise<void> = taken.then((next) => {
      inflight.delete(run);
      if (next && !options.isStopping()) return start(next);
      if (next) void next.job.moveToWait(next.token).catch((error: Error) => options.onError(error));
      waker.wake();
    });
    inflight.add(run);
  };
  while (!options.isStopping()) {
    if (inflight.size >= options.concurrency) {
      await waker.sleep(options.pollMs);
      continue;
    }
    const seen = waker.wakeups;
    let fetched: FetchedJob | undefined;
    try {
      fetched = await fetcher.fetch(() => options.tokenFor());
    } catch (error) {
      options.onError(error as Error);
      await waker.sleep(options.pollMs);
      continue;
    }
    if (!fetched) {
      if (waker.wakeups === seen && !options.isStopping()) await waker.sleep(options.pollMs);
      continue;
    }
    if (options.isStopping()) {
      await fetched.job.moveToWait(fetched.token).catch((error: Error) => options.onError(error));
      break;
    }
    start(fetched);
  }
}
