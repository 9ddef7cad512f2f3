import type { ServerResponse } from 'node:http';
import type { Redis } from 'ioredis';
import { followRunEvents } from '../queue/follow-run.js';
import { keys } from '../queue/names.js';

export interface StreamRunEventsOptions {
  /** Stream id to resume after (`Last-Event-ID`); '0' replays from the first event. */
  after: string;
  /** A connection for this stream only (XREAD BLOCK holds it); disconnected when the stream ends. */
  blocking: Redis;
  /** How often a comment line keeps proxies from closing a quiet stream. */
  heartbeatMs?: number;
  blockMs?: number;
}

/** A Redis stream id, or 0. */
export const streamIdPattern = /^(0|\d{1,20}-\d{1,20})$/;

/**
 * Writes a run's events to `response` as Server-Sent Events: every entry of `ferry:run:<id>:events` after
 * `after`, then the live ones, each as `id: <stream id>` + `data: <JSON>` (the event with its `attempt`), and
 * ends after `run.result`. A client that reconnects with `Last-Event-ID` resumes after the last event it had.
 * The caller has sent nothing yet; this writes the status line and headers.
 */
export async function streamRunEvents(
  response: ServerResponse,
  runId: string,
  options: StreamRunEventsOptions,
): Promise<void> {
  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  response.write('retry: 2000\n\n');
  const controller = new AbortController();
  const heartbeat = setInterval(() => {
    if (!response.destroyed) response.write(': keep-alive\n\n');
  }, options.heartbeatMs ?? 15_000);
  const onClose = () => {
    clearInterval(heartbeat);
    controller.abort();
    // Ends a pending XREAD BLOCK at once instead of at its timeout.
    options.blocking.disconnect();
  };
  response.once('close', onClose);
  try {
    for await (const entry of followRunEvents(options.blocking, runId, {
      after: options.after,
      signal: controller.signal,
      ...(options.blockMs !== undefined ? { blockMs: options.blockMs } : {}),
    })) {
      const ok = response.write(
        `id: ${entry.id}\ndata: ${JSON.stringify({ attempt: entry.attempt, ...entry.event })}\n\n`,
      );
      if (!ok && !response.destroyed) {
        await new Promise<void>((resolve) => {
          const done = () => {
            response.off('drain', done);
            response.off('close', done);
            resolve();
          };
          response.once('drain', done);
          response.once('close', done);
        });
      }
    }
  } catch (error) {
    if (!controller.signal.aborted && !response.destroyed)
      response.write(
        `event: error\ndata: ${JSON.stringify({ message: error instanceof Error ? error.message : String(error) })}\n\n`,
      );
  } finally {
    clearInterval(heartbeat);
    response.off('close', onClose);
    options.blocking.disconnect();
    if (!response.writableEnded) response.end();
  }
}

/** Whether the stream has entries after `after` (a client resuming a finished run is told 204: nothing more). */
export async function hasEventsAfter(redis: Redis, runId: string, after: string): Promise<boolean> {
  const entries = await redis.xrange(keys.events(runId), `(${after}`, '+', 'COUNT', 1);
  return entries.length > 0;
}
