import type { RunEvent, RunEventBody } from './events.js';
import { createMasker, maskDeep } from './mask-secrets.js';
import type { SplitMasker } from './mask-secrets.js';

export type RunEventListener = (event: RunEvent) => void;

type StepLog = Extract<RunEventBody, { type: 'step.log' }>;

/** A log line that ends with the start of a secret waits this long at most for the line after it. */
const holdMs = 100;

/**
 * Stamps each event with the run-wide sequence number and time, masks secret values in every string it
 * carries, then hands it to every listener in order. Listeners (the terminal, the run store, a Redis
 * stream) therefore never see a secret.
 */
export class EventStream {
  private seq = 0;
  private readonly listeners: RunEventListener[] = [];
  private mask: ((text: string) => string) | undefined;
  private split: SplitMasker | undefined;
  /** Values a step asked to mask (GitHub's `::add-mask::`), masked after the secrets. */
  private readonly added = new Set<string>();
  private maskAdded: ((text: string) => string) | undefined;
  /** Per job, step and stream: a line held back until the next one shows whether a secret spans the break. */
  private readonly held = new Map<string, { line: StepLog; timer: ReturnType<typeof setTimeout> }>();

  constructor(
    readonly runId: string,
    private readonly now: () => number,
  ) {}

  subscribe(listener: RunEventListener): void {
    this.listeners.push(listener);
  }

  /**
   * Set once the run's secrets are resolved, before the first event that could carry one. With a SplitMasker,
   * a log line ending with the start of a secret is held (at most 100 ms, or until any other event) until the
   * next line of its stream shows whether the secret continues there.
   */
  setMask(mask: (text: string) => string, split?: SplitMasker): void {
    this.mask = mask;
    this.split = split?.active ? split : undefined;
  }

  /** Masks `value` in every event from now on, for the rest of the run, like a secret (not across line breaks). */
  addMask(value: string): void {
    if (value.length === 0 || this.added.has(value)) return;
    this.added.add(value);
    this.maskAdded = createMasker(this.added);
  }

  emit(body: RunEventBody): void {
    const secretsMasked = this.mask ? maskDeep(body, this.mask) : body;
    const masked = this.maskAdded ? maskDeep(secretsMasked, this.maskAdded) : secretsMasked;
    if (masked.type !== 'step.log' || !this.split) {
      this.flush();
      return this.send(masked);
    }
    const key = `${masked.job}\u0000${masked.step}\u0000${masked.stream}`;
    let line = masked;
    const held = this.held.get(key);
    if (held) {
      clearTimeout(held.timer);
      this.held.delete(key);
      const joined = this.split.join(held.line.line, line.line);
      if (joined) {
        held.line = { ...held.line, line: joined[0] };
        line = { ...line, line: joined[1] };
      }
      this.send(held.line);
    }
    if (!this.split.mayContinue(line.line)) return this.send(line);
    const timer = setTimeout(() => {
      if (this.held.get(key)?.timer !== timer) return;
      this.held.delete(key);
      this.send(line);
    }, holdMs);
    timer.unref?.();
    this.held.set(key, { line, timer });
  }

  /** Shows every held log line now (the run or a step ends, or another event must follow them). */
  flush(): void {
    for (const [key, held] of [...this.held]) {
      clearTimeout(held.timer);
      this.held.delete(key);
      this.send(held.line);
    }
  }

  private send(body: RunEventBody): void {
    const event: RunEvent = { ...body, seq: ++this.seq, time: this.now(), runId: this.runId };
    for (const listener of this.listeners) listener(event);
  }
}
