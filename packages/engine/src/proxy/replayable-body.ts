import type { Readable, Writable } from 'node:stream';

/**
 * A client request body forwarded to one upstream at a time, kept in memory up to `limit` bytes so it can be
 * sent again to another backend after a connection error. Backpressure follows the current target. Once more
 * than `limit` bytes were read (or with limit 0) the body is streamed without a copy and cannot be replayed.
 */
export class ReplayableBody {
  private readonly kept: Buffer[] = [];
  private held: Buffer[] = [];
  private size = 0;
  private ended = false;
  private sentAny = false;
  private keeping: boolean;
  private target: Writable | undefined;
  private readonly resume = () => this.source.resume();

  constructor(
    private readonly source: Readable,
    private readonly limit: number,
  ) {
    this.keeping = limit > 0;
    source.on('data', (chunk: Buffer) => this.onData(chunk));
    source.on('end', () => {
      this.ended = true;
      if (this.target !== undefined && !this.target.destroyed) this.target.end();
    });
  }

  /** True while every byte read so far is still available to send again. */
  get replayable(): boolean {
    return this.keeping || !this.sentAny;
  }

  /** Sends the body (what was read so far, then the rest) to target. Returns false if it cannot be replayed. */
  attach(target: Writable): boolean {
    if (!this.replayable) return false;
    this.detach();
    this.target = target;
    const pending = this.keeping ? [...this.kept] : this.held;
    this.held = [];
    for (const chunk of pending) this.write(chunk);
    if (this.ended) target.end();
    else this.source.resume();
    return true;
  }

  /** Stops sending to the current target; data read meanwhile is held for the next one. */
  detach(): void {
    this.target?.off('drain', this.resume);
    this.target = undefined;
  }

  private onData(chunk: Buffer): void {
    this.size += chunk.length;
    if (this.keeping) {
      if (this.size > this.limit) {
        this.keeping = false;
        this.kept.length = 0;
      } else {
        this.kept.push(chunk);
      }
    }
    if (this.target === undefined) {
      if (!this.keeping) this.held.push(chunk);
      this.source.pause();
      return;
    }
    this.write(chunk);
  }

  private write(chunk: Buffer): void {
    const target = this.target;
    if (target === undefined || target.destroyed) return;
    this.sentAny = true;
    if (!target.write(chunk)) {
      this.source.pause();
      target.once('drain', this.resume);
    }
  }
}
