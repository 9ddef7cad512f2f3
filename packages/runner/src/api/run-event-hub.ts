import type { Redis } from 'ioredis';
import { keys } from '../queue/names.js';
import { decodeStreamEntry, type StreamEntry } from '../queue/stream-entry.js';

/** What a subscriber is told: each entry after the one it named, in order; or that the feed broke. */
export interface RunEventListener {
  entry(entry: StreamEntry): void;
  /** Redis went away: the subscription is over (an SSE client reconnects with Last-Event-ID). */
  failed(error: Error): void;
}

interface RunFeed {
  key: string;
  /** The last id read for this run; undefined until known. */
  position?: string;
  ready: Promise<void>;
  listeners: Set<(entry: StreamEntry) => void>;
  failures: Set<(error: Error) => void>;
}

export interface RunEventHubOptions {
  /** How long one XREAD blocks (a new subscription wakes it at once). */
  blockMs?: number;
}

/**
 * All event streams of one `ferry serve` process share one Redis connection: a single XREAD BLOCK over the
 * streams of every run that has a subscriber, however many subscribers each has (300 SSE clients of one run cost
 * one connection, not 300). A subscriber first gets what it missed (XRANGE on the shared command connection, from
 * the id it named up to where the feed stands), then the live entries, with nothing lost or doubled between.
 */
export class RunEventHub {
  readonly #feeds = new Map<string, RunFeed>();
  #blocking: Redis | undefined;
  #blockingId: number | undefined;
  #loop: Promise<void> | undefined;
  #closed = false;

  constructor(
    /** The shared command connection (XRANGE, XREVRANGE, CLIENT UNBLOCK); never blocked. */
    private readonly redis: Redis,
    /** Makes the one connection XREAD BLOCK holds; made when the first subscriber comes, closed with the last. */
    private readonly connect: () => Redis,
    private readonly options: RunEventHubOptions = {},
  ) {}

  /** Connections this hub holds for blocking reads: 0 or 1. */
  get blockingConnections(): number {
    return this.#blocking === undefined ? 0 : 1;
  }

  /** Runs with at least one subscriber. */
  get runs(): number {
    return this.#feeds.size;
  }

  /** Starts delivering the run's entries after `after` ('0': all); the returned function ends the subscription. */
  async subscribe(runId: string, after: string, listener: RunEventListener): Promise<() => void> {
    const feed = this.#feed(runId);
    let live = false;
    const buffered: StreamEntry[] = [];
    const onEntry = (entry: StreamEntry) => (live ? listener.entry(entry) : buffered.push(entry));
    const onFailure = (error: Error) => listener.failed(error);
    const unsubscribe = () => {
      feed.listeners.delete(onEntry);
      feed.failures.delete(onFailure);
      if (feed.listeners.size === 0 && this.#feeds.get(runId) === feed) this.#feeds.delete(runId);
      if (this.#feeds.size === 0) this.#stopBlocking();
    };
    try {
      await feed.ready;
    } catch (error) {
      if (this.#feeds.get(runId) === feed) this.#feeds.delete(runId);
      throw error;
    }
    // No await between reading the position and joining: every later entry reaches this subscriber live.
    const upTo = feed.position ?? '0';
    feed.listeners.add(onEntry);
    feed.failures.add(onFailure);
    this.#start();
    try {
      let from = after;
      while (compareIds(from, upTo) < 0) {
        const chunk = (await this.redis.xrange(feed.key, `(${from}`, upTo, 'COUNT', 500)) as [string, string[]][];
        if (chunk.length === 0) break;
        for (const [id, fields] of chunk) {
          from = id;
          const entry = decodeStreamEntry(id, fields);
          if (entry) listener.entry(entry);
        }
      }
    } catch (error) {
      unsubscribe();
      throw error;
    }
    live = true;
    for (const entry of buffered) if (compareIds(entry.id, after) > 0) listener.entry(entry);
    return unsubscribe;
  }

  /** Ends every subscription's reads (the subscribers are told nothing: their responses are being closed). */
  close(): void {
    this.#closed = true;
    this.#feeds.clear();
    this.#stopBlocking();
  }

  #feed(runId: string): RunFeed {
    const existing = this.#feeds.get(runId);
    if (existing) return existing;
    const key = keys.events(runId);
    const feed: RunFeed = { key, ready: Promise.resolve(), listeners: new Set(), failures: new Set() };
    feed.ready = this.redis.xrevrange(key, '+', '-', 'COUNT', 1).then((last) => {
      feed.position = last[0]?.[0] ?? '0';
      void this.#wake();
    });
    this.#feeds.set(runId, feed);
    return feed;
  }

  #start(): void {
    if (this.#loop || this.#closed) return;
    const blocking = this.connect();
    blocking.on('error', () => undefined);
    this.#blocking = blocking;
    this.#blockingId = undefined;
    this.#loop = this.#read(blocking).finally(() => {
      if (this.#blocking === blocking) {
        this.#blocking = undefined;
        this.#blockingId = undefined;
      }
      blocking.disconnect();
      this.#loop = undefined;
      // A subscriber that came while the loop was ending.
      if (this.#feeds.size > 0 && !this.#closed) this.#start();
    });
  }

  async #read(blocking: Redis): Promise<void> {
    try {
      this.#blockingId = Number(await blocking.client('ID'));
      while (this.#blocking === blocking && this.#feeds.size > 0) {
        const feeds = [...this.#feeds.values()].filter((feed) => feed.position !== undefined);
        if (feeds.length === 0) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          continue;
        }
        const reply = await blocking.xread(
          'COUNT',
          500,
          'BLOCK',
          this.options.blockMs ?? 5000,
          'STREAMS',
          ...feeds.map((feed) => feed.key),
          ...feeds.map((feed) => feed.position as string),
        );
        for (const [key, entries] of reply ?? []) {
          const feed = feeds.find((candidate) => candidate.key === key);
          if (!feed) continue;
          for (const [id, fields] of entries) {
            feed.position = id;
            const entry = decodeStreamEntry(id, fields);
            if (entry) for (const deliver of [...feed.listeners]) deliver(entry);
          }
        }
      }
    } catch (error) {
      if (this.#blocking !== blocking) return;
      const failure = error instanceof Error ? error : new Error(String(error));
      const feeds = [...this.#feeds.values()];
      this.#feeds.clear();
      for (const feed of feeds) for (const fail of [...feed.failures]) fail(failure);
    }
  }

  /** Ends a pending XREAD BLOCK so that the loop reads the new set of streams now, not at its timeout. */
  async #wake(): Promise<void> {
    if (this.#blockingId === undefined) return;
    await this.redis.client('UNBLOCK', this.#blockingId).catch(() => undefined);
  }

  #stopBlocking(): void {
    const blocking = this.#blocking;
    this.#blocking = undefined;
    this.#blockingId = undefined;
    blocking?.disconnect();
  }
}

/** Orders Redis stream ids (`ms-seq`, or `0`). */
export function compareIds(a: string, b: string): number {
  const [aMs = '0', aSeq = '0'] = a.split('-');
  const [bMs = '0', bSeq = '0'] = b.split('-');
  const ms = BigInt(aMs) - BigInt(bMs);
  if (ms !== 0n) return ms < 0n ? -1 : 1;
  const seq = BigInt(aSeq) - BigInt(bSeq);
  return seq === 0n ? 0 : seq < 0n ? -1 : 1;
}
