import type { RunEvent, RunEventBody } from './events.js';
import { maskDeep } from './mask-secrets.js';

export type RunEventListener = (event: RunEvent) => void;

/**
 * Stamps each event with the run-wide sequence number and time, masks secret values in every string it
 * carries, then hands it to every listener in order. Listeners (the terminal, the run store, a Redis
 * stream) therefore never see a secret.
 */
export class EventStream {
  private seq = 0;
  private readonly listeners: RunEventListener[] = [];
  private mask: ((text: string) => string) | undefined;

  constructor(
    readonly runId: string,
    private readonly now: () => number,
  ) {}

  subscribe(listener: RunEventListener): void {
    this.listeners.push(listener);
  }

  /** Set once the run's secrets are resolved, before the first event that could carry one. */
  setMask(mask: (text: string) => string): void {
    this.mask = mask;
  }

  emit(body: RunEventBody): RunEvent {
    const masked = this.mask ? maskDeep(body, this.mask) : body;
    const event: RunEvent = { ...masked, seq: ++this.seq, time: this.now(), runId: this.runId };
    for (const listener of this.listeners) listener(event);
    return event;
  }
}
