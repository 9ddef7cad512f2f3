import type { Command } from 'commander';
import { isFinalStatus } from '@ferry/runner';
import type { CliIO } from '../cli-io.js';
import { exitCodes } from '../exit-codes.js';
import { withQueue, type QueueCli } from './queue-runs.js';

/**
 * `ferry cancel <run>`: a queued run is removed at once; a running one is stopped by its runner (containers
 * removed), which this waits for unless --no-wait. Exit 0 once the run is not running any more.
 */
export async function cancelCommand(
  io: CliIO,
  runId: string,
  options: { redis?: string; wait: boolean; timeout?: string },
): Promise<number> {
  const timeoutMs = Number(options.timeout ?? '60') * 1000;
  return withQueue(io, options.redis, async ({ queue }) => {
    const result = await queue.cancel(runId);
    if (result.outcome === 'cancelled') {
      io.stdout.write(`run ${runId} cancelled (it had not started)\n`);
      return exitCodes.ok;
    }
    if (result.outcome === 'finished') {
      io.stdout.write(`run ${runId} had already finished: ${result.status}\n`);
      return exitCodes.ok;
    }
    if (!options.wait) {
      io.stdout.write(`run ${runId} is being cancelled (it was ${result.status})\n`);
      return exitCodes.ok;
    }
    const record = await queue.waitForFinal(runId, { timeoutMs });
    if (record && isFinalStatus(record.status)) {
      io.stdout.write(
        `run ${runId} ${record.status === 'cancelled' ? 'cancelled' : `finished before it could be cancelled: ${record.status}`}\n`,
      );
      return exitCodes.ok;
    }
    io.stderr.write(
      `run ${runId} is still ${record?.status ?? 'unknown'} after ${Math.round(timeoutMs / 1000)}s; its runner will cancel it once it hears of it\n`,
    );
    return exitCodes.failed;
  });
}

/** Adds `ferry cancel` to the program. */
export function registerCancelCommand(program: Command, cli: QueueCli): void {
  program
    .command('cancel <run>')
    .description('cancel a queued run, or stop a running one (its containers removed)')
    .option('--no-wait', 'do not wait for the runner to stop it')
    .option('--timeout <seconds>', 'how long to wait', '60')
    .option('--redis <url>', 'Redis of the queue')
    .action(async (run: string, options: { redis?: string; wait: boolean; timeout: string }) => {
      cli.setExitCode(await cancelCommand(cli.io, run, options));
    });
}
