/** How many event streams may be open at once, in all and per client address; idle ones close after idleMs. */
export interface StreamLimits {
  total: number;
  perClient: number;
  idleMs: number;
}

export const defaultStreamLimits: StreamLimits = { total: 1000, perClient: 20, idleMs: 15 * 60_000 };

/**
 * Counts the open SSE streams of a server, in all and per client address, against its limits. Every kind of
 * stream (a run's events, the runs list) counts against the same caps.
 */
export class StreamCaps {
  readonly #byClient = new Map<string, number>();
  #open = 0;

  constructor(private readonly limits: StreamLimits) {}

  /** A release function when `client` may open one more stream, or why not. */
  admit(client: string): { ok: true; release: () => void } | { ok: false; message: string } {
    const ofClient = this.#byClient.get(client) ?? 0;
    if (this.#open >= this.limits.total)
      return { ok: false, message: `${this.#open} event streams are open, the most this server serves; retry later` };
    if (ofClient >= this.limits.perClient)
      return {
        ok: false,
        message: `this client has ${ofClient} event streams open, the most one client may; retry later`,
      };
    this.#open += 1;
    this.#byClient.set(client, ofClient + 1);
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        this.#open -= 1;
        const left = (this.#byClient.get(client) ?? 1) - 1;
        if (left > 0) this.#byClient.set(client, left);
        else this.#byClient.delete(client);
      },
    };
  }
}
