import type { Command } from 'commander';
import { formatMs, isFerryError } from '@ferry/engine';
import { isQueueEvent } from '@ferry/runner';
import type { QueueEvent } from '@ferry/runner';
import type { CliIO } from '../cli-io.js';
import { exitCodes } from '../exit-codes.js';
import { createPlainView } from '../output/plain-view.js';
import { withQueue, type OpenQueue, type QueueCli } from './queue-runs.js';

export interface EnqueueCommandOptions {
  redis?: string;
  repo: string;
  sha: string;
  ref?: string;
  pipeline?: string;
  trigger?: string;
  labels?: string;
  /** commander's --no-secrets */
  secrets: boolean;
  key?: string;
  wait?: boolean;
  json?: boolean;
}

/** `ferry enqueue`: queue a run and print its id; with --wait, follow it to the end and exit as `ferry run` would. */
export async function enqueueCommand(io: CliIO, options: EnqueueCommandOptions): Promise<number> {
  return withQueue(io, options.redis, async (open) => {
    const result = await open.queue.enqueue(
      {
        repo: options.repo,
        sha: options.sha,
        ref: options.ref ?? '',
        ...(options.pipeline !== undefined ? { pipeline: options.pipeline } : {}),
        ...(options.trigger !== undefined ? { trigger: options.trigger as 'manual' } : {}),
        labels: (options.labels ?? '').split(',').filter((label) => label.trim() !== ''),
        secrets: options.secrets,
      },
      options.key !== undefined ? { key: options.key } : {},
    );
    if (!options.json) io.stdout.write(`${result.runId}\n`);
    else if (!options.wait) io.stdout.write(`${JSON.stringify(result)}\n`);
    if (!result.created)
      io.stderr.write(`run ${result.runId} was already queued (key ${options.key}); it is ${result.status}\n`);
    if (!options.wait) return exitCodes.ok;
    return followToEnd(io, open, result.runId, options.json ?? false);
  });
}

/**
 * Prints a run's events until its result; exit 0 for success, 1 for anything else, 130 when interrupted. When
 * Redis goes away, it says so once, waits for it, and resumes after the last event it printed: a restart of
 * Redis (the run goes on in its runner) costs a pause, not the command.
 */
export async function followToEnd(io: CliIO, open: OpenQueue, runId: string, json: boolean): Promise<number> {
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  const view = createPlainView((text) => io.stdout.write(text));
  let status: string | undefined;
  let after = '0';
  let lost = false;
  try {
    while (status === undefined && !controller.signal.aborted) {
      // A connection per attempt: a client connection that gave up reconnecting stays closed.
      const blocking = open.redis.duplicate();
      blocking.on('error', () => undefined);
      try {
        for await (const entry of open.queue.follow(blocking, runId, { signal: controller.signal, after })) {
          if (lost) {
            io.stderr.write('redis: connected again; resuming after the last event shown\n');
            lost = false;
          }
          after = entry.id;
          if (json) io.stdout.write(`${JSON.stringify({ attempt: entry.attempt, ...entry.event })}\n`);
          else if (isQueueEvent(entry.event)) io.stdout.write(describeQueueEvent(entry.event));
          else view(entry.event);
          if (entry.event.type === 'run.result') status = entry.event.status;
        }
      } catch (error) {
        if (isFerryError(error) || controller.signal.aborted) throw error;
        if (!lost) io.stderr.write('redis: connection lost, retrying\n');
        lost = true;
        await new Promise((resolve) => setTimeout(resolve, 500));
      } finally {
        blocking.disconnect();
      }
    }
  } finally {
    process.off('SIGINT', onSignal);
  }
  if (status === undefined) {
    io.stderr.write(`stopped following run ${runId}; it goes on (ferry runs --redis … shows it)\n`);
    return 130;
  }
  return status === 'success' ? exitCodes.ok : exitCodes.failed;
}

export function describeQueueEvent(event: QueueEvent): string {
  switch (event.type) {
    case 'attempt.started':
      return `run ${event.runId}: attempt ${event.attempt} on runner ${event.runner} (queued for ${formatMs(event.waitedMs)})\n`;
    case 'attempt.lost':
      return `run ${event.runId}: runner ${event.runner} was lost during attempt ${event.attempt}; ${event.retrying ? 'retrying on another runner' : 'giving up'}\n`;
    case 'attempt.failed':
      return `run ${event.runId}: attempt ${event.attempt} failed: ${event.reason}${event.retryInMs !== undefined ? `; retrying in ${formatMs(event.retryInMs)}` : ''}\n`;
    case 'run.result':
      return `run ${event.runId} ${event.status}${event.reason ? `: ${event.reason}` : ''}\n`;
  }
}

/** Adds `ferry enqueue` to the program. */
export function registerEnqueueCommand(program: Command, cli: QueueCli): void {
  program
    .command('enqueue')
    .description('queue a run of a commit for the runners; prints the run id')
    .requiredOption('--repo <url>', 'repository to clone (https://, ssh://, file://)')
    .requiredOption('--sha <sha>', 'commit to run')
    .option('--ref <ref>', 'ref the commit belongs to (refs/heads/main, refs/tags/v1)')
    .option(
      '--pipeline <path>',
      'pipeline file in the repository (default: ferry.yml, .ferry.yml, pipelines/ferry.yml)',
    )
    .option('--trigger <trigger>', 'push, pull_request, tag or manual', 'manual')
    .option('--labels <list>', 'labels a runner needs to take the run (comma-separated)')
    .option('--no-secrets', 'run with every secret withheld (untrusted code)')
    .option('--key <key>', 'idempotency key: the same key queues one run')
    .option('--wait', 'follow the run to its end; exit 0 on success, 1 otherwise')
    .option('--json', 'print the result as JSON (with --wait: every event as a JSON line)')
    .option('--redis <url>', 'Redis of the queue')
    .action(async (options: EnqueueCommandOptions) => {
      cli.setExitCode(await enqueueCommand(cli.io, options));
    });
}
