import type Docker from 'dockerode';
import { FerryError, formatMs } from '@ferry/engine';
import { coversLabels, openRedis, RunQueue, waitForRedis } from '@ferry/runner';
import type { RunnerInfo, RunRecord } from '@ferry/runner';
import type { RedisClient as Redis } from '@ferry/runner';
import type { CliIO } from '../cli-io.js';
import { exitCodes } from '../exit-codes.js';

/** What the queue commands get from the CLI's composition root. */
export interface QueueCli {
  io: CliIO;
  getDocker(): Docker;
  setExitCode(code: number): void;
}

/** `--redis`, else $FERRY_REDIS_URL, else the local default. */
export function redisUrlOf(io: CliIO, option: string | undefined): string {
  return option ?? io.env.FERRY_REDIS_URL ?? 'redis://127.0.0.1:6379';
}

export interface OpenQueue {
  url: string;
  redis: Redis;
  queue: RunQueue;
  close(): Promise<void>;
}

/**
 * Connects to the queue for one command (failing fast when Redis is unreachable) and runs `task` with it.
 * Runner and queue errors become one-line messages: exit 2 for what the user asked wrong, 1 otherwise.
 */
export async function withQueue(
  io: CliIO,
  redisOption: string | undefined,
  task: (open: OpenQueue) => Promise<number>,
): Promise<number> {
  const url = redisUrlOf(io, redisOption);
  const redis: Redis = openRedis(url, 'client');
  redis.on('error', () => undefined);
  const queue = new RunQueue(redis);
  const close = async () => {
    await queue.close().catch(() => undefined);
    redis.disconnect();
  };
  try {
    await waitForRedis(redis, url);
    return await task({ url, redis, queue, close });
  } finally {
    await close();
  }
}

/** `ferry runs --redis`: the queue's runs, newest first, with status, runner and timing. */
export async function queueRunsCommand(
  io: CliIO,
  options: { redis?: string; json?: boolean; limit?: string },
): Promise<number> {
  const limit = Number(options.limit ?? '50');
  if (!Number.isInteger(limit) || limit < 1)
    throw new FerryError('CLI_USAGE', `--limit "${options.limit}": expected a whole number of at least 1`);
  return withQueue(io, options.redis, async ({ queue }) => {
    const [runs, runners] = await Promise.all([queue.list({ limit }), queue.runners()]);
    if (options.json) {
      io.stdout.write(`${JSON.stringify(runs, null, 2)}\n`);
      return exitCodes.ok;
    }
    if (runs.length === 0) {
      io.stdout.write('no runs in the queue\n');
      return exitCodes.ok;
    }
    const now = Date.now();
    const rows = runs.map((run) => [
      run.id,
      run.status,
      run.runner ?? '-',
      formatWait(run, now),
      formatDuration(run, now),
      `${shortRepo(run.repo)}@${run.sha.slice(0, 7)}`,
      run.ref.replace(/^refs\/(heads|tags)\//, '') || '-',
      note(run, runners, now),
    ]);
    const header = ['RUN', 'STATUS', 'RUNNER', 'WAITED', 'TOOK', 'COMMIT', 'REF', ''];
    io.stdout.write(formatTable([header, ...rows]));
    return exitCodes.ok;
  });
}

function formatWait(run: RunRecord, now: number): string {
  if (run.firstStartedAt !== undefined) return formatMs(Math.max(0, run.firstStartedAt - run.enqueuedAt));
  return run.status === 'queued' ? `${formatMs(now - run.enqueuedAt)}…` : '-';
}

function formatDuration(run: RunRecord, now: number): string {
  if (run.finishedAt !== undefined && run.startedAt !== undefined)
    return formatMs(Math.max(0, run.finishedAt - run.startedAt));
  if (run.status === 'running' && run.startedAt !== undefined) return `${formatMs(now - run.startedAt)}…`;
  return '-';
}

/** Why a run is where it is: its reason, the attempt, or which runner it waits for. */
function note(run: RunRecord, runners: RunnerInfo[], now: number): string {
  const parts: string[] = [];
  if (run.attempt > 1) parts.push(`attempt ${run.attempt}`);
  if (
    run.status === 'queued' &&
    !runners.some((runner) => !runner.draining && coversLabels(runner.labels, run.labels))
  ) {
    parts.push(`no live runner has labels [${run.labels.join(', ')}]`);
  }
  if (run.status === 'running' && run.runner && !runners.some((runner) => runner.id === run.runner)) {
    parts.push(`runner ${run.runner} not seen for a while (lost? the stalled check will tell)`);
  }
  if (run.status === 'running' && run.cancelRequestedAt !== undefined)
    parts.push(`cancelling since ${formatMs(now - run.cancelRequestedAt)}`);
  if (run.reason) parts.push(run.reason.split('\n')[0] as string);
  return parts.join('; ');
}

function shortRepo(repo: string): string {
  return repo
    .replace(/\.git$/, '')
    .split(/[/:]/)
    .slice(-2)
    .join('/');
}

export function formatTable(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows
    .map(
      (row) =>
        `${row
          .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
          .join('  ')
          .trimEnd()}\n`,
    )
    .join('');
}
