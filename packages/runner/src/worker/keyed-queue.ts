/**
 * Runs tasks one at a time per key (a git mirror directory), in the order they were queued; tasks of
 * different keys run concurrently. A failed task does not stop the ones queued behind it.
 */
export class KeyedQueue {
  readonly #busy = new Map<string, Promise<unknown>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#busy.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(task);
    this.#busy.set(key, next);
    try {
      return await next;
    } finally {
      if (this.#busy.get(key) === next) this.#busy.delete(key);
    }
  }
}
