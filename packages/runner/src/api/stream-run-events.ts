import type { ServerResponse } from 'node:http';
import type { Redis } from 'ioredis';
import { resultFromRecord } from '../queue/follow-run.js';
import { getRun } from '../queue/read-runs.js';
import { isFinalStatus } from '../queue/run-record.js';
import type { StreamEntry } from '../queue/stream-entry.js';
import type { RunEventHub } from './run-event-hub.js';
import { keys } from '../queue/names.js';

export interface StreamRunEventsOptions {
  /** Stream id to resume after (`Last-Event-ID`); '0' replays from the first event. */
  after: string;
  /** The process's shared reader of event streams. */
  hub: RunEventHub;
  /** The queue's command connection: reads the record when the stream holds no result. */
  redis: Redis;
  /** How often a comment line keeps proxies from closing a quiet stream. */
  heartbeatMs?: number;
  /** A stream with no event for this long is closed (its client reconnects with Last-Event-ID if it still cares). */
  idleMs?: number;
}

/** What a slow client may have waiting in this process before its stream is closed. */
const maxBufferedBytes = 4 * 1024 * 1024;

/** A Redis stream id, or 0. */
export const streamIdPattern = /^(0|\d{1,20}-\d{1,20})$/;

/**
 * Writes a run's events to `response` as Server-Sent Events: every entry of `ferry:run:<id>:events` after
 * `after`, then the live ones, each as `id: <stream id>` + `data: <JSON>` (the event with its `attempt`), and
 * ends after `run.result`. A client that reconnects with `Last-Event-ID` resumes after the last event it had.
 * Reads go through the shared hub: a stream costs no Redis connection of its own. The caller has sent nothing
 * yet; this writes the status line and headers.
 */
export async function streamRunEvents(
  response: ServerResponse,
  runId: string,
  options: StreamRunEventsOptions,
): Promise<void> {
  startEventStream(response);
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  let ended = false;
  let idle: NodeJS.Timeout | undefined;
  const end = () => {
    if (ended) return;
    ended = true;
    finish();
  };
  const touch = () => {
    clearTimeout(idle);
    idle = setTimeout(end, options.idleMs ?? 15 * 60_000);
    idle.unref();
  };
  const write = (text: string) => {
    if (response.destroyed || ended) return;
    response.write(text);
    // A client that does not read: it is dropped rather than buffered without end (it resumes with Last-Event-ID).
    if (response.writableLength > maxBufferedBytes) end();
  };
  const heartbeat = setInterval(() => write(': keep-alive\n\n'), options.heartbeatMs ?? 15_000);
  heartbeat.unref();
  response.once('close', end);
  touch();
  let unsubscribe: (() => void) | undefined;
  let sawResult = false;
  const send = (entry: StreamEntry) => {
    if (ended) return;
    touch();
    write(`id: ${entry.id}\ndata: ${JSON.stringify({ attempt: entry.attempt, ...entry.event })}\n\n`);
    if (entry.event.type === 'run.result') {
      sawResult = true;
      end();
    }
  };
  try {
    unsubscribe = await options.hub.subscribe(runId, options.after, {
      entry: send,
      failed: (error) => {
        write(`event: error\ndata: ${JSON.stringify({ message: `redis: ${error.message}` })}\n\n`);
        end();
      },
    });
    // The stream may have lost its result (trimmed) while the record is final: the record ends it.
    if (!sawResult && !ended) {
      const record = await getRun(options.redis, runId);
      if (record && isFinalStatus(record.status) && !sawResult) {
        send(resultFromRecord(record, options.after));
      }
    }
    await finished;
  } catch (error) {
    write(
      `event: error\ndata: ${JSON.stringify({ message: error instanceof Error ? error.message : String(error) })}\n\n`,
    );
  } finally {
    clearInterval(heartbeat);
    clearTimeout(idle);
    response.off('close', end);
    unsubscribe?.();
    if (!response.writableEnded) response.end();
  }
}

/** The status line and headers of an SSE answer (no caching, no proxy buffering), and the client's retry delay. */
export function startEventStream(response: ServerResponse): void {
  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  response.write('retry: 2000\n\n');
}

/** Whether the stream has entries after `after` (a client resuming a finished run is told 204: nothing more). */
export async function hasEventsAfter(redis: Redis, runId: string, after: string): Promise<boolean> {
  const entries = await redis.xrange(keys.events(runId), `(${after}`, '+', 'COUNT', 1);
  return entries.length > 0;
}
