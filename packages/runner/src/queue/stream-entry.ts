import type { RunEvent } from '@ferry/engine';
import type { RunRecordStatus } from './run-record.js';

/** What the queue adds around the engine's events: attempts, their runners, and the run's final word. */
export type QueueEventBody =
  | { type: 'attempt.started'; attempt: number; runner: string; waitedMs: number }
  /** The previous attempt's runner stopped renewing its lease (killed, frozen or cut off from Redis). */
  | { type: 'attempt.lost'; attempt: number; runner: string; retrying: boolean }
  /** An infrastructure failure (clone, Docker): retried after retryInMs, or the run ends in `error`. */
  | { type: 'attempt.failed'; attempt: number; reason: string; retryInMs?: number }
  /** Always the last entry of a finished run. */
  | { type: 'run.result'; status: RunRecordStatus; reason?: string; durationMs?: number };

export type QueueEvent = QueueEventBody & { time: number; runId: string };
export type QueueEventType = QueueEvent['type'];

/** One entry of `ferry:run:<id>:events`: an engine event of some attempt, or a queue event. */
export interface StreamEntry {
  /** The Redis stream id (`1700000000000-0`): resume reading after it. */
  id: string;
  attempt: number;
  event: RunEvent | QueueEvent;
}

const queueEventTypes: readonly string[] = ['attempt.started', 'attempt.lost', 'attempt.failed', 'run.result'];

export function isQueueEvent(event: RunEvent | QueueEvent): event is QueueEvent {
  return queueEventTypes.includes(event.type);
}

/** Field/value pairs for XADD. Engine events arrive already masked by their EventStream. */
export function encodeStreamEntry(attempt: number, event: RunEvent | QueueEvent): string[] {
  return ['a', String(attempt), 'e', JSON.stringify(event)];
}

/** An XRANGE/XREAD entry back; undefined for an entry this version cannot read. */
export function decodeStreamEntry(id: string, fields: string[]): StreamEntry | undefined {
  const values = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) values.set(fields[i] as string, fields[i + 1] as string);
  const json = values.get('e');
  if (json === undefined) return undefined;
  try {
    const event = JSON.parse(json) as RunEvent | QueueEvent;
    if (typeof event !== 'object' || event === null || typeof event.type !== 'string') return undefined;
    return { id, attempt: Number(values.get('a') ?? 0), event };
  } catch {
    return undefined;
  }
}
