import type { RunEvent, RunEventBody } from './events.js';

export type RunEventListener = (event: RunEvent) => void;

/** Stamps each event with the run-wide sequence number and time, then hands it to every listener in order. */
export class EventStream {
  private seq = 0;
  private readonly listeners: RunEventListener[] = [];

  constructor(
    readonly runId: string,
    private readonly now: () => number,
  ) {}

  subscribe(listener: RunEventListener): void {
    this.listeners.push(listener);
  }

  emit(body: RunEventBody): RunEvent {
    const event = { ...body, seq: ++this.seq, time: this.now(), runId: this.runId } as RunEvent;
    for (const listener of this.listeners) listener(event);
    return event;
  }
}
