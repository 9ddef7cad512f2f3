import type { RunEvent } from '@ferry/engine';
import type { Redis } from 'ioredis';
import { keys } from '../queue/names.js';
import { encodeStreamEntry, type QueueEvent } from '../queue/stream-entry.js';
import type { RunnerMetrics } from './runner-metrics.js';

/**
 * Appends one attempt's events to `ferry:run:<id>:events` (XADD MAXLEN ~). publish() does not wait: commands
 * on one connection are answered in order, so flush() awaits the last one. While Redis is away the runner's
 * connection queues the commands and sends them on reconnect, so an outage delays events but loses none.
 */
export class EventPublisher {
  #last: Promise<unknown> = Promise.resolve();
  #failures = 0;

  constructor(
    private readonly redis: Redis,
    private readonly runId: string,
    private readonly attempt: number,
    private readonly maxLen: number,
    private readonly metrics?: RunnerMetrics,
  ) {}

  /** Events Redis refused (not connection trouble, which only delays them). */
  get failures(): number {
    return this.#failures;
  }

  publish(event: RunEvent | QueueEvent): void {
    this.#last = this.redis
      .xadd(keys.events(this.runId), 'MAXLEN', '~', this.maxLen, '*', ...encodeStreamEntry(this.attempt, event))
      .then(
        () => this.metrics?.eventsPublished.inc(),
        () => {
          this.#failures += 1;
          this.metrics?.eventsFailed.inc();
        },
      );
  }

  /** Resolves once every event published so far has been answered. */
  flush(): Promise<void> {
    return this.#last.then(() => undefined);
  }
}
