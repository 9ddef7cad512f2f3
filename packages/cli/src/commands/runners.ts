import type { Command } from 'commander';
import { formatMs } from '@ferry/engine';
import type { CliIO } from '../cli-io.js';
import { exitCodes } from '../exit-codes.js';
import { formatTable, withQueue, type QueueCli } from './queue-runs.js';

/** `ferry runners`: the live runners (their heartbeat has not expired), their labels and current runs. */
export async function runnersCommand(io: CliIO, options: { redis?: string; json?: boolean }): Promise<number> {
  return withQueue(io, options.redis, async ({ queue }) => {
    const runners = await queue.runners();
    if (options.json) {
      io.stdout.write(`${JSON.stringify(runners, null, 2)}\n`);
      return exitCodes.ok;
    }
    if (runners.length === 0) {
      io.stdout.write('no live runners\n');
      return exitCodes.ok;
    }
    const now = Date.now();
    const rows = runners.map((runner) => [
      runner.id,
      `${runner.host}:${runner.pid}`,
      runner.labels.join(',') || '-',
      `${runner.runs.length}/${runner.concurrency}`,
      runner.runs.join(',') || '-',
      `${formatMs(Math.max(0, now - runner.heartbeatAt))} ago`,
      runner.draining ? 'draining' : 'ready',
      runner.httpUrl ?? '',
    ]);
    io.stdout.write(
      formatTable([['RUNNER', 'PROCESS', 'LABELS', 'BUSY', 'RUNS', 'HEARTBEAT', 'STATE', 'HTTP'], ...rows]),
    );
    return exitCodes.ok;
  });
}

/** Adds `ferry runners` to the program. */
export function registerRunnersCommand(program: Command, cli: QueueCli): void {
  program
    .command('runners')
    .description('list the live runners, their labels and current runs')
    .option('--json', 'as JSON')
    .option('--redis <url>', 'Redis of the queue')
    .action(async (options: { redis?: string; json?: boolean }) => {
      cli.setExitCode(await runnersCommand(cli.io, options));
    });
}
