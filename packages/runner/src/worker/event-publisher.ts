import type { RunEvent } from '@ferry/engine';
import type { Redis } from 'ioredis';
import { keys } from '../queue/names.js';
import { defineScript, runScript } from '../queue/redis-script.js';
import type { QueueEvent } from '../queue/stream-entry.js';
import type { RunnerMetrics } from './runner-metrics.js';

// One stream entry per event, as XADD writes it (fields `a` and `e`, see stream-entry.ts); answers how many
// Redis refused.
const appendScript = defineScript(`
local refused = 0
for i = 3, #ARGV do
  local ok = redis.pcall('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'a', ARGV[2], 'e', ARGV[i])
  if type(ok) == 'table' and ok.err then refused = refused + 1 end
end
return refused
`);

/**
 * Appends one attempt's events to `ferry:run:<id>:events` (MAXLEN ~). publish() does not wait: the events of
 * one turn of the event loop go out together, one entry each, in one script call, and commands on one
 * connection are answered in order, so flush() awaits the last call. While Redis is away the runner's
 * connection queues the commands and sends them on reconnect, so an outage delays events but loses none.
 */
export class EventPublisher {
  #pending: string[] = [];
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
    this.#pending.push(JSON.stringify(event));
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
    this.#last = runScript(
      this.redis,
      appendScript,
      [keys.events(this.runId)],
      [this.maxLen, this.attempt, ...events],
    ).then(
      (refused) => this.#count(events.length, Number(refused)),
      () => this.#count(events.length, events.length),
    );
  }

  #count(sent: number, refused: number): void {
    this.#failures += refused;
    if (refused > 0) this.metrics?.eventsFailed.inc(refused);
    if (sent > refused) this.metrics?.eventsPublished.inc(sent - refused);
  }
}
