import { FerryError } from '@ferry/engine';
import type { Redis } from 'ioredis';
import { keys } from './names.js';
import { getRun } from './read-runs.js';
import { isFinalStatus, type RunRecord } from './run-record.js';
import { decodeStreamEntry, type StreamEntry } from './stream-entry.js';

export interface FollowOptions {
  /** Stream id to read after; '0' (default) replays the run from its first event. */
  after?: string;
  signal?: AbortSignal;
  /** How long one XREAD blocks; the signal and the record are checked between reads. */
  blockMs?: number;
}

/**
 * Yields a run's events as they are written, ending after its `run.result` entry. XREAD BLOCK holds the
 * connection: pass one used for nothing else. When the stream no longer has the result (trimmed, or the run
 * expired) but the record is final, a `run.result` made from the record ends it. Throws QUEUE_RUN_NOT_FOUND.
 */
export async function* followRunEvents(
  redis: Redis,
  runId: string,
  options: FollowOptions = {},
): AsyncGenerator<StreamEntry> {
  let after = options.after ?? '0';
  const blockMs = options.blockMs ?? 2000;
  let quietReads = 0;
  while (!options.signal?.aborted) {
    const reply = await redis.xread('COUNT', 500, 'BLOCK', blockMs, 'STREAMS', keys.events(runId), after);
    const entries = reply?.[0]?.[1] ?? [];
    for (const [id, fields] of entries) {
      after = id;
      const entry = decodeStreamEntry(id, fields);
      if (!entry) continue;
      yield entry;
      if (entry.event.type === 'run.result') return;
    }
    if (entries.length > 0) {
      quietReads = 0;
      continue;
    }
    quietReads += 1;
    const record = await getRun(redis, runId);
    if (!record) throw new FerryError('QUEUE_RUN_NOT_FOUND', `no run "${runId}" in the queue`);
    // A final record whose stream stays quiet: the result entry is gone (trimmed) or was never readable here.
    if (isFinalStatus(record.status) && quietReads >= 2) {
      yield resultFromRecord(record, after);
      return;
    }
  }
}

/** The `run.result` entry a final record stands for, when its stream no longer holds it (trimmed, expired). */
export function resultFromRecord(record: RunRecord, id: string): StreamEntry {
  return {
    id,
    attempt: record.attempt,
    event: {
      type: 'run.result',
      status: record.status,
      ...(record.reason !== undefined ? { reason: record.reason } : {}),
      time: record.finishedAt ?? Date.now(),
      runId: record.id,
    },
  };
}
