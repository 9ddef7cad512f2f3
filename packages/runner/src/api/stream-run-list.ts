import type { ServerResponse } from 'node:http';
import type { RunRecord } from '../queue/run-record.js';
import type { RunListFeed } from './run-list-feed.js';
import { startEventStream } from './stream-run-events.js';

export interface StreamRunListOptions {
  feed: RunListFeed;
  /** The newest runs, as GET /api/runs answers them. */
  list(): Promise<RunRecord[]>;
  /** Whether a changed run belongs in this stream (the same filter as the list). */
  wanted(run: RunRecord): boolean;
  heartbeatMs?: number;
  /** A stream with no change for this long is closed; EventSource reconnects and gets the list again. */
  idleMs?: number;
}

const maxBufferedBytes = 4 * 1024 * 1024;

/**
 * Writes the runs list as Server-Sent Events: first `{"type":"runs","runs":[…]}` (the whole list), then
 * `{"type":"run","run":{…}}` for each record that changes, and the whole list again after the feed lost changes.
 * Subscribes before it reads the list, so that no change falls between the two. Ends when the client goes.
 */
export async function streamRunList(response: ServerResponse, options: StreamRunListOptions): Promise<void> {
  startEventStream(response);
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  let idle: NodeJS.Timeout | undefined;
  const touch = () => {
    clearTimeout(idle);
    idle = setTimeout(finish, options.idleMs ?? 15 * 60_000);
    idle.unref();
  };
  const send = (data: unknown) => {
    if (response.destroyed || response.writableEnded) return;
    response.write(`data: ${JSON.stringify(data)}\n\n`);
    if (response.writableLength > maxBufferedBytes) finish();
  };
  const heartbeat = setInterval(() => {
    if (!response.destroyed) response.write(': keep-alive\n\n');
  }, options.heartbeatMs ?? 15_000);
  heartbeat.unref();
  response.once('close', finish);
  touch();
  let listed = false;
  const early: RunRecord[] = [];
  const sendList = async () => send({ type: 'runs', runs: await options.list() });
  let unsubscribe: (() => void) | undefined;
  try {
    unsubscribe = await options.feed.subscribe({
      changed: (run) => {
        if (!options.wanted(run)) return;
        touch();
        if (listed) send({ type: 'run', run });
        else early.push(run);
      },
      resync: () => void sendList().catch(finish),
    });
    await sendList();
    listed = true;
    for (const run of early) send({ type: 'run', run });
    await finished;
  } catch (error) {
    send({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  } finally {
    clearInterval(heartbeat);
    clearTimeout(idle);
    response.off('close', finish);
    unsubscribe?.();
    if (!response.writableEnded) response.end();
  }
}
