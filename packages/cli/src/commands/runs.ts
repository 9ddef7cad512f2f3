import { join } from 'node:path';
import { formatMs, isProcessAlive, RunStore, safeName } from '@ferry/engine';
import type { CliIO } from '../cli-io.js';

/** `ferry runs`: the runs recorded in this workspace, newest first. */
export function runsCommand(io: CliIO, options: { json?: boolean; workspace: string }): number {
  const runs = new RunStore(join(options.workspace, '.ferry', 'runs')).list();
  if (options.json) {
    io.stdout.write(`${JSON.stringify(runs, null, 2)}\n`);
    return 0;
  }
  if (runs.length === 0) {
    io.stdout.write('no runs yet\n');
    return 0;
  }
  for (const run of runs) {
    const status = run.status === 'running' && !isProcessAlive(run.pid) ? 'lost' : run.status;
    const duration = run.durationMs !== undefined ? formatMs(run.durationMs) : '';
    io.stdout.write(
      `${run.id}  ${status.padEnd(9)} ${duration.padEnd(8)} ${run.pipeline}  ${run.sha.slice(0, 7)} ${run.branch}\n`,
    );
  }
  return 0;
}

/** `ferry logs <run> [job]`: every step's log of a run, or of one job. */
export function logsCommand(
  io: CliIO,
  runArg: string,
  job: string | undefined,
  options: { workspace: string },
): number {
  const store = new RunStore(join(options.workspace, '.ferry', 'runs'));
  const id = store.resolve(runArg);
  const events = store.events(id);
  const jobs = [...new Set(events.filter((e) => e.type === 'step.started').map((e) => (e as { job: string }).job))];
  const selected =
    job === undefined ? jobs : jobs.filter((j) => j === job || j.startsWith(`${job} (`) || safeName(j) === job);
  if (job !== undefined && selected.length === 0) {
    io.stderr.write(`run ${id} has no job "${job}" with steps (jobs: ${jobs.join(', ') || 'none'})\n`);
    return 2;
  }
  for (const event of events) {
    if (event.type === 'step.started' && selected.includes(event.job)) {
      io.stdout.write(`── ${event.job} · step ${event.step + 1}: ${event.name}\n`);
      io.stdout.write(store.stepLog(id, event.job, event.step) ?? '');
    }
    if (event.type === 'job.finished' && selected.includes(event.job)) {
      io.stdout.write(`── ${event.job} ${event.status}${event.error ? `: ${event.error}` : ''}\n`);
    }
  }
  return 0;
}
