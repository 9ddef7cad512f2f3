import type { Redis } from 'ioredis';
import { channels } from '../queue/names.js';
import { getRun } from '../queue/read-runs.js';
import type { RunRecord } from '../queue/run-record.js';

/** What a subscriber of the runs list is told. */
export interface RunListListener {
  /** A run's record as it now is (created, started, finished, cancelled…). */
  changed(run: RunRecord): void;
  /** The feed lost changes (Redis reconnected): read the whole list again. */
  resync(): void;
}

/**
 * Every runs-list stream of one `ferry serve` shares one SUBSCRIBE to `ferry:runs:changed` (published after each
 * write to a run record), opened with the first subscriber and closed with the last. Changes that arrive close
 * together are read once: each run's record is read after a short settle, however many times it changed.
 */
export class RunListFeed {
  readonly #listeners = new Set<RunListListener>();
  readonly #pending = new Set<string>();
  #subscriber: Redis | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    /** The command connection that reads records. */
    private readonly redis: Redis,
    /** Makes the connection that SUBSCRIBE holds. */
    private readonly connect: () => Redis,
    private readonly settleMs = 50,
  ) {}

  /** Starts telling `listener` of changes; the returned function ends that. Resolves once subscribed. */
  async subscribe(listener: RunListListener): Promise<() => void> {
    this.#listeners.add(listener);
    const unsubscribe = () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) this.close();
    };
    if (!this.#subscriber) {
      const subscriber = this.connect();
      this.#subscriber = subscriber;
      let ready = false;
      subscriber.on('message', (_channel: string, runId: string) => this.#changed(runId));
      // ioredis subscribes again after a reconnect; what was published meanwhile is lost, so everyone reloads.
      subscriber.on('ready', () => {
        if (ready) for (const each of [...this.#listeners]) each.resync();
        ready = true;
      });
      subscriber.on('error', () => undefined);
      try {
        await subscriber.subscribe(channels.runChanged);
      } catch (error) {
        unsubscribe();
        throw error;
      }
    }
    return unsubscribe;
  }

  /** Closes the subscription; subscribers are dropped. */
  close(): void {
    this.#listeners.clear();
    this.#pending.clear();
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#subscriber?.disconnect();
    this.#subscriber = undefined;
  }

  #changed(runId: string): void {
    this.#pending.add(runId);
    this.#timer ??= setTimeout(() => void this.#flush(), this.settleMs);
  }

  async #flush(): Promise<void> {
    this.#timer = undefined;
    const ids = [...this.#pending];
    this.#pending.clear();
    const records = await Promise.all(ids.map((id) => getRun(this.redis, id).catch(() => undefined)));
    for (const record of records) if (record) for (const listener of [...this.#listeners]) listener.changed(record);
  }
}
