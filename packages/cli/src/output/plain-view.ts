import type { RunEvent } from '@ferry/engine';
import { formatMs } from '@ferry/engine';

/** Line-per-event output for logs and pipes: `[job/step] line`, plus a line per job state change. */
export function createPlainView(write: (text: string) => void): (event: RunEvent) => void {
  const stepNames = new Map<string, string>();
  return (event) => {
    switch (event.type) {
      case 'run.started':
        write(
          `run ${event.runId} · ${event.pipeline} · plan ${event.planHash.slice(0, 12)} · ${event.jobs.length} jobs\n`,
        );
        break;
      case 'job.started':
        write(`[${event.job}] started${event.attempt > 1 ? ` (attempt ${event.attempt})` : ''} · ${event.image}\n`);
        break;
      case 'job.waiting':
        break;
      case 'job.retrying':
        write(`[${event.job}] retrying (attempt ${event.attempt}): ${event.reason}\n`);
        break;
      case 'job.skipped':
        write(`[${event.job}] skipped: ${event.reason}\n`);
        break;
      case 'job.log':
        write(`[${event.job}] ${event.line}\n`);
        break;
      case 'step.started':
        stepNames.set(`${event.job}#${event.step}`, event.name);
        write(`[${event.job}/${event.step + 1}] $ ${event.name}\n`);
        break;
      case 'step.log':
        write(`[${event.job}/${event.step + 1}] ${event.line}\n`);
        break;
      case 'step.skipped':
        write(`[${event.job}/${event.step + 1}] skipped: ${event.reason}\n`);
        break;
      case 'step.finished':
        if (event.status !== 'success') {
          write(
            `[${event.job}/${event.step + 1}] ${event.status}${event.exitCode >= 0 ? ` (exit ${event.exitCode})` : ''}${event.allowedFailure ? ', allowed to fail' : ''} after ${formatMs(event.durationMs)}\n`,
          );
        }
        break;
      case 'job.finished':
        write(
          `[${event.job}] ${symbol(event.status)} ${event.status}${event.allowedFailure ? ' (allowed to fail)' : ''} in ${formatMs(event.durationMs)}${event.error ? `: ${event.error}` : ''}\n`,
        );
        break;
      case 'run.finished': {
        const parts = Object.entries(event.summary)
          .filter(([, count]) => count > 0)
          .map(([status, count]) => `${count} ${status}`);
        write(`run ${event.runId} ${event.status} in ${formatMs(event.durationMs)} (${parts.join(', ')})\n`);
        break;
      }
    }
  };
}

export function symbol(status: string): string {
  switch (status) {
    case 'success':
      return '✓';
    case 'failed':
    case 'timed-out':
      return '✗';
    case 'cancelled':
      return '⊘';
    case 'skipped':
      return '–';
    default:
      return '•';
  }
}
