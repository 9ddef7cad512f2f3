import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FerryError } from '../errors.js';
import type { RunEvent, RunStatus } from '../run/events.js';

export interface RunSummary {
  id: string;
  pipeline: string;
  file: string;
  planHash: string;
  status: RunStatus | 'running';
  trigger: string;
  sha: string;
  branch: string;
  startedAt: number;
  finishedAt?: number;
  durationMs?: number;
  /** Process that owns the run while it is running (to tell a crashed run from a live one). */
  pid: number;
  jobs: Record<string, { status: string; durationMs?: number; error?: string }>;
}

/**
 * Runs on disk: `<root>/<id>/events.jsonl` (every event, appended as it happens), `logs/<job>/<step>.log`
 * (one file per step) and `summary.json` (rewritten atomically at start and end).
 * Callers mask secrets before events reach the store; the store never sees secret values.
 */
export class RunStore {
  constructor(readonly root: string) {}

  static newRunId(now: number): string {
    const stamp = new Date(now).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
    return `${stamp}-${Math.random().toString(36).slice(2, 6)}`;
  }

  open(summary: RunSummary): RunRecorder {
    const dir = join(this.root, summary.id);
    mkdirSync(join(dir, 'logs'), { recursive: true });
    const recorder = new RunRecorder(dir, summary);
    recorder.writeSummary();
    return recorder;
  }

  list(): RunSummary[] {
    if (!existsSync(this.root)) return [];
    return readdirSync(this.root)
      .filter((id) => existsSync(join(this.root, id, 'summary.json')))
      .map((id) => this.summary(id))
      .sort((a, b) => b.startedAt - a.startedAt);
  }

  /** Accepts a unique prefix of a run id, or `last`. */
  resolve(idOrPrefix: string): string {
    const ids = existsSync(this.root) ? readdirSync(this.root).sort() : [];
    if (idOrPrefix === 'last' && ids.length > 0) return this.list()[0]?.id as string;
    const matches = ids.filter((id) => id.startsWith(idOrPrefix));
    if (matches.length === 1) return matches[0] as string;
    throw new FerryError(
      'STORE_NOT_FOUND',
      matches.length === 0
        ? `no run "${idOrPrefix}" in ${this.root}`
        : `run id "${idOrPrefix}" is ambiguous: ${matches.slice(0, 5).join(', ')}`,
    );
  }

  summary(id: string): RunSummary {
    return JSON.parse(readFileSync(join(this.root, id, 'summary.json'), 'utf8')) as RunSummary;
  }

  events(id: string): RunEvent[] {
    const text = readFileSync(join(this.root, id, 'events.jsonl'), 'utf8');
    return text
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as RunEvent);
  }

  stepLog(id: string, job: string, step: number): string | undefined {
    const file = join(this.root, id, 'logs', safeName(job), `${step}.log`);
    return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  }
}

export class RunRecorder {
  constructor(
    readonly dir: string,
    readonly summary: RunSummary,
  ) {}

  /** An event listener: append to events.jsonl and to the step's log; keep the summary current. */
  readonly record = (event: RunEvent): void => {
    appendFileSync(join(this.dir, 'events.jsonl'), `${JSON.stringify(event)}\n`);
    switch (event.type) {
      case 'step.log': {
        const dir = join(this.dir, 'logs', safeName(event.job));
        mkdirSync(dir, { recursive: true });
        appendFileSync(join(dir, `${event.step}.log`), `${event.line}\n`);
        break;
      }
      case 'job.started':
        this.summary.jobs[event.job] = { status: 'running' };
        break;
      case 'job.skipped':
        this.summary.jobs[event.job] = { status: 'skipped' };
        break;
      case 'job.finished':
        this.summary.jobs[event.job] = {
          status: event.status,
          durationMs: event.durationMs,
          ...(event.error ? { error: event.error } : {}),
        };
        break;
      case 'run.finished':
        this.summary.status = event.status;
        this.summary.finishedAt = event.time;
        this.summary.durationMs = event.durationMs;
        this.writeSummary();
        break;
      default:
        break;
    }
  };

  writeSummary(): void {
    const file = join(this.dir, 'summary.json');
    writeFileSync(`${file}.tmp`, JSON.stringify(this.summary, null, 2));
    renameSync(`${file}.tmp`, file);
  }
}

export function safeName(jobRunId: string): string {
  return jobRunId.replace(/[^A-Za-z0-9_.=-]+/g, '_');
}
