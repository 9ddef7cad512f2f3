import type { RunEvent } from '@ferry/engine';
import type { Redis } from 'ioredis';
import { keys } from '../queue/names.js';
import { encodeStreamEntry, type QueueEvent } from '../queue/stream-entry.js';
import type { RunnerMetrics } from './runner-metrics.js';

/**
 * Appends one attempt's events to `ferry:run:<id>:events` (one XADD MAXLEN ~ each). publish() does not wait:
 * the events of one turn of the event loop go out together in one pipeline (one write, one round trip), in
 * order, and commands on one connection are answered in order, so flush() awaits the last batch. While Redis is
 * away the runner's connection queues the commands and sends them on reconnect, so an outage delays events but
 * loses none.
 */
export class EventPublisher {
  #pending: (RunEvent | QueueEvent)[] = [];
  #scheduled: NodeJS.Immediate | undefined;
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
    this.#pending.push(event);
    this.#scheduled ??= setImmediate(() => this.#send());
  }

  /** Sends what is pending now; resolves once every event published so far has been answered. */
  flush(): Promise<void> {
    this.#send();
    return this.#last.then(() => undefined);
  }

  #send(): void {
    clearImmediate(this.#scheduled);
    this.#scheduled = undefined;
    const events = this.#pending;
    if (events.length === 0) return;
    this.#pending = [];
    const pipeline = this.redis.pipeline();
    const key = keys.events(this.runId);
    for (const event of events)
      pipeline.xadd(key, 'MAXLEN', '~', this.maxLen, '*', ...encodeStreamEntry(this.attempt, event));
    this.#last = pipeline.exec().then(
      (results) => {
        for (const [error] of results ?? []) {
          if (error) {
            this.#failures += 1;
            this.metrics?.eventsFailed.inc();
          } else this.metrics?.eventsPublished.inc();
        }
      },
      () => {
        this.#failures += events.length;
        this.metrics?.eventsFailed.inc(events.length);
      },
    );
  }
}
