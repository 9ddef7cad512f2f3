import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';

interface Batch {
  dir: string;
  made: Promise<unknown>;
  /** Directories renamed (or being renamed) into it. */
  taken: number;
  /** Renames in flight. */
  busy: number;
  /** No more directories go in; removed once no rename is in flight. */
  sealed: boolean;
}

/**
 * Removes finished runs' directories in batches, off the runs' path. A run's directory is renamed into the open
 * batch (`<runs>/.trash-<uuid>`), which is removed whole once it holds `batchSize` directories, after `idleMs`
 * without another, and at flush(). Node's recursive `rm` of each run's directory cost ~2.5× the CPU of a rename
 * plus a share of a batch's `rm` (docs/performance.md). The batches sit in `runs/`, which lockWorkdir empties
 * when a runner starts: a crash leaves nothing behind for good. Never throws; removal errors go to `onError`.
 */
export class RunDirTrash {
  readonly #runs: string;
  readonly #batchSize: number;
  readonly #idleMs: number;
  readonly #onError: (error: Error) => void;
  #open: Batch | undefined;
  #timer: NodeJS.Timeout | undefined;
  readonly #removing = new Set<Promise<void>>();

  constructor(runs: string, options: { batchSize?: number; idleMs?: number; onError?: (error: Error) => void } = {}) {
    this.#runs = runs;
    this.#batchSize = options.batchSize ?? 32;
    this.#idleMs = options.idleMs ?? 1000;
    this.#onError = options.onError ?? (() => undefined);
  }

  /** Moves `dir` out of the way (it is gone from its place when this resolves); a missing `dir` is no error. */
  async discard(dir: string): Promise<void> {
    const batch = (this.#open ??= this.#newBatch());
    batch.taken += 1;
    batch.busy += 1;
    const name = String(batch.taken);
    if (batch.taken >= this.#batchSize) this.#seal(batch);
    else this.#armTimer();
    try {
      await batch.made;
      await rename(dir, path.join(batch.dir, name));
    } catch (error) {
      // ENOENT: `dir` was never made (the batch's directory is there: it was made, and is not removed while busy).
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        await rm(dir, { recursive: true, force: true }).catch((failed: Error) => this.#onError(failed));
    } finally {
      batch.busy -= 1;
      if (batch.sealed && batch.busy === 0) this.#remove(batch);
    }
  }

  /** Removes every batch, the open one too; resolves once they are gone. */
  async flush(): Promise<void> {
    if (this.#open) this.#seal(this.#open);
    while (this.#removing.size > 0) await Promise.all(this.#removing);
  }

  #newBatch(): Batch {
    const dir = path.join(this.#runs, `.trash-${randomUUID()}`);
    return { dir, made: mkdir(dir, { recursive: true }), taken: 0, busy: 0, sealed: false };
  }

  #seal(batch: Batch): void {
    batch.sealed = true;
    if (this.#open === batch) this.#open = undefined;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (batch.busy === 0) this.#remove(batch);
  }

  #armTimer(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#open && this.#seal(this.#open), this.#idleMs);
    this.#timer.unref();
  }

  #remove(batch: Batch): void {
    const removing = batch.made
      .then(() => rm(batch.dir, { recursive: true, force: true }))
      .catch((error: unknown) => this.#onError(error as Error))
      .finally(() => this.#removing.delete(removing));
    this.#removing.add(removing);
  }
}
