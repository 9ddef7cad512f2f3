import type { Redis } from 'ioredis';
import { keys } from '../queue/names.js';
import { encodeRunnerInfo, type RunnerInfo } from '../queue/runner-info.js';
import { withTimeout } from './with-timeout.js';

/**
 * A runner's presence in Redis: its hash `ferry:runner:<id>` (expiring after three missed beats) and its entry
 * in `ferry:runners`. Beats every intervalMs, and within 100ms of soon() (a run started or ended), so that
 * `ferry runners` is current without a write per run under load.
 */
export class RunnerHeartbeat {
  #timer: NodeJS.Timeout | undefined;
  #soon: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(
    private readonly redis: Redis,
    private readonly describe: () => RunnerInfo,
    private readonly intervalMs: number,
    private readonly onError: (error: Error) => void,
  ) {}

  async beat(): Promise<void> {
    const info = this.describe();
    await this.redis
      .multi()
      .hset(keys.runner(info.id), ...encodeRunnerInfo(info))
      .pexpire(keys.runner(info.id), this.intervalMs * 3)
      .zadd(keys.runners, info.heartbeatAt, info.id)
      .exec();
  }

  start(): void {
    this.#timer ??= setInterval(() => void this.beat().catch(this.onError), this.intervalMs);
  }

  soon(): void {
    if (this.#closed) return;
    this.#soon ??= setTimeout(() => {
      this.#soon = undefined;
      void this.beat().catch(this.onError);
    }, 100);
  }

  /** Stops beating and removes the runner from the list (giving up after 2s if Redis is away: the hash expires anyway). */
  async stop(runnerId: string): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    clearTimeout(this.#soon);
    await withTimeout(
      this.redis.multi().del(keys.runner(runnerId)).zrem(keys.runners, runnerId).exec().catch(this.onError),
      2000,
    );
  }
}
