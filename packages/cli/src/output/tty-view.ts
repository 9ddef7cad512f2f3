import type { RunEvent } from '@ferry/engine';
import { formatMs } from '@ferry/engine';
import { symbol } from './plain-view.js';

interface JobLine {
  id: string;
  state: string;
  detail: string;
  started?: number;
  lastLine?: string;
}

/**
 * A live table of jobs for a terminal, redrawn in place at most every 100 ms. At the end it prints the
 * tail of each failed job's output, so the reason is on screen without `ferry logs`.
 */
export function createTtyView(stream: NodeJS.WriteStream): { onEvent: (event: RunEvent) => void; close: () => void } {
  const jobs = new Map<string, JobLine>();
  const tails = new Map<string, string[]>();
  let drawnLines = 0;
  let header = '';
  let timer: NodeJS.Timeout | undefined;
  const spinner = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
  let frame = 0;

  const draw = () => {
    frame += 1;
    const width = stream.columns || 100;
    const lines = [header];
    for (const job of jobs.values()) {
      const mark =
        job.state === 'running' ? spinner[frame % spinner.length] : job.state === 'waiting' ? '○' : symbol(job.state);
      const elapsed = job.state === 'running' && job.started ? ` ${formatMs(Date.now() - job.started)}` : '';
      const detail = job.state === 'running' && job.lastLine ? `${job.detail} › ${job.lastLine}` : job.detail;
      lines.push(`${mark} ${job.id}${elapsed}  ${detail}`.slice(0, width - 1));
    }
    let out = drawnLines > 0 ? `\x1b[${drawnLines}A` : '';
    out += lines.map((line) => `\x1b[2K${line}\n`).join('');
    drawnLines = lines.length;
    stream.write(out);
  };

  const schedule = () => {
    timer ??= setTimeout(() => {
      timer = undefined;
      draw();
    }, 100);
  };
  const ticker = setInterval(schedule, 250);

  const set = (id: string, patch: Partial<JobLine>) => {
    const job = jobs.get(id) ?? { id, state: 'waiting', detail: '' };
    jobs.set(id, Object.assign(job, patch));
  };

  const tail = (job: string, line: string) => {
    const lines = tails.get(job) ?? [];
    lines.push(line);
    if (lines.length > 15) lines.shift();
    tails.set(job, lines);
  };

  const onEvent = (event: RunEvent) => {
    switch (event.type) {
      case 'run.started':
        header = `ferry · ${event.pipeline} · run ${event.runId} · plan ${event.planHash.slice(0, 12)}`;
        for (const id of event.jobs) set(id, { state: 'waiting', detail: '' });
        break;
      case 'job.waiting':
        set(event.job, { state: 'waiting', detail: event.reason });
        break;
      case 'job.started':
        set(event.job, {
          state: 'running',
          detail: event.attempt > 1 ? `attempt ${event.attempt}` : 'starting',
          started: event.time,
        });
        break;
      case 'job.skipped':
        set(event.job, { state: 'skipped', detail: event.reason });
        break;
      case 'step.started':
        set(event.job, { detail: event.name, lastLine: '' });
        break;
      case 'step.log':
        set(event.job, { lastLine: event.line });
        tail(event.job, event.line);
        break;
      case 'job.log':
        tail(event.job, event.line);
        break;
      case 'job.finished':
        set(event.job, {
          state: event.status,
          detail: `${formatMs(event.durationMs)}${event.allowedFailure ? ' (allowed to fail)' : ''}${event.error ? `  ${event.error}` : ''}`,
        });
        if (event.status === 'success' || event.allowedFailure) tails.delete(event.job);
        break;
      case 'run.finished': {
        draw();
        for (const [job, lines] of tails) {
          const status = jobs.get(job)?.state;
          if (status === 'success' || status === 'skipped') continue;
          stream.write(`\n── ${job} (last ${lines.length} lines) ──\n${lines.join('\n')}\n`);
        }
        stream.write(`\nrun ${event.runId} ${symbol(event.status)} ${event.status} in ${formatMs(event.durationMs)}\n`);
        return;
      }
      default:
        break;
    }
    schedule();
  };

  return {
    onEvent,
    close: () => {
      clearInterval(ticker);
      if (timer) clearTimeout(timer);
    },
  };
}
