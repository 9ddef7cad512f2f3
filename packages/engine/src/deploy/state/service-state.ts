import {
  appendFileSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { FerryError } from '../../errors.js';
import type { Revision } from '../deploy-types.js';
import type { RunEventBody } from '../../run/events.js';
import { isProcessAlive } from '../../process/is-process-alive.js';

export type DeployPhase = 'idle' | 'canary' | 'rolling' | 'monitoring' | 'rolling-back' | 'paused';

/** Written after every change of a rollout, so a deployer killed mid-update can be resumed or rolled back. */
export interface DeployJournal {
  service: string;
  phase: DeployPhase;
  deployId: string;
  /** The revision being rolled out (or back to). */
  target?: number;
  /** The revision that served before this rollout. */
  previous?: number;
  /** The revision serving now, when idle. */
  active?: number;
  updatedAt: number;
  /** Where a canary is: its step, weight and the absolute end of the step's pause (resumable after a crash). */
  canary?: { step: number; weight: number; deadline?: number };
  /** The last replacement of an unhealthy replica between deploys (self-healing), for `ferry status`. */
  lastHeal?: { at: number; message: string };
  /** The last rollout's outcome, for `ferry status`. */
  outcome?: { status: 'deployed' | 'rolled-back' | 'failed' | 'paused'; message: string; at: number; logs?: string };
}

/**
 * What a deploy reads and writes about one service: its journal, its revisions, its lock and the promote/abort
 * requests. ServiceState keeps it on disk; unit tests use an in-memory one.
 */
export interface ServiceStore {
  readonly service: string;
  journal(): DeployJournal | undefined;
  writeJournal(journal: DeployJournal): void;
  revisions(): Revision[];
  writeRevisions(revisions: Revision[]): void;
  /** Takes the service's lock or throws DEPLOY_LOCKED; returns the release function. */
  lock(): () => void;
  /** Whether `ferry promote` / `ferry abort` asked for the action; the request is consumed. */
  take(action: 'promote' | 'abort'): boolean;
  /** Appends a rollout's event to the service's timeline (what the web page shows); absent in stores without one. */
  record?(event: TimelineEvent): void;
}

/** A deploy event of the service's timeline: the run event's body and when it happened. */
export type TimelineEvent = Extract<RunEventBody, { type: `deploy.${string}` }> & { at: number };

/** The timeline keeps about this many bytes; past twice that, the older half goes. */
const timelineBytes = 256 * 1024;

/**
 * A service's deploy state on disk under `<root>/services/<name>/`: `journal.json`, `revisions.json` and a
 * `lock`. Every write is atomic (temp file + rename).
 */
export class ServiceState implements ServiceStore {
  readonly dir: string;

  constructor(
    root: string,
    readonly service: string,
  ) {
    this.dir = join(root, 'services', service);
  }

  /** The services that have a journal (deployed, and not removed). */
  static services(root: string): string[] {
    const dir = join(root, 'services');
    return existsSync(dir)
      ? readdirSync(dir)
          .filter((name) => existsSync(join(dir, name, 'journal.json')))
          .sort()
      : [];
  }

  journal(): DeployJournal | undefined {
    return this.#read<DeployJournal>('journal.json');
  }

  writeJournal(journal: DeployJournal): void {
    this.#write('journal.json', journal);
  }

  revisions(): Revision[] {
    return this.#read<Revision[]>('revisions.json') ?? [];
  }

  writeRevisions(revisions: Revision[]): void {
    this.#write('revisions.json', revisions);
  }

  /** Appends to `timeline.jsonl`; a file grown past its size keeps its newer half. */
  record(event: TimelineEvent): void {
    mkdirSync(this.dir, { recursive: true });
    const file = join(this.dir, 'timeline.jsonl');
    appendFileSync(file, `${JSON.stringify(event)}\n`);
    if (statSync(file).size > 2 * timelineBytes) {
      const text = readFileSync(file, 'utf8');
      const kept = text.slice(text.indexOf('\n', text.length - timelineBytes) + 1);
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, kept);
      renameSync(tmp, file);
    }
  }

  /** The recorded deploy events, oldest first (the newest `limit`). */
  timeline(limit = 2000): TimelineEvent[] {
    const file = join(this.dir, 'timeline.jsonl');
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .slice(-limit)
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as TimelineEvent];
        } catch {
          return [];
        }
      });
  }

  /** Deletes the service's journal and revisions (the lock, held by the caller, goes with its release). */
  forget(): void {
    for (const name of ['journal.json', 'revisions.json', 'timeline.jsonl', 'promote', 'abort'])
      rmSync(join(this.dir, name), { force: true });
  }

  /** `ferry promote` / `ferry abort` leave a request file that the running canary picks up. */
  request(action: 'promote' | 'abort'): void {
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(join(this.dir, action), String(Date.now()));
  }

  /** Whether the action was requested; the request is consumed. */
  take(action: 'promote' | 'abort'): boolean {
    const file = join(this.dir, action);
    if (!existsSync(file)) return false;
    rmSync(file, { force: true });
    return true;
  }

  /**
   * Takes the service's lock, or throws DEPLOY_LOCKED naming its holder. A lock whose holder process is gone
   * (same host) is taken over. Returns the release function.
   */
  lock(pid = process.pid): () => void {
    mkdirSync(this.dir, { recursive: true });
    const file = join(this.dir, 'lock');
    const me = `${hostname()}:${pid}`;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(file, 'wx');
        writeSync(fd, me);
        closeSync(fd);
        return () => {
          if (existsSync(file) && readFileSync(file, 'utf8') === me) rmSync(file, { force: true });
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const holder = readFileSync(file, 'utf8');
        const [host, pidText] = [holder.slice(0, holder.lastIndexOf(':')), holder.slice(holder.lastIndexOf(':') + 1)];
        if (host === hostname() && !isProcessAlive(Number(pidText))) {
          rmSync(file, { force: true });
          continue;
        }
        throw new FerryError(
          'DEPLOY_LOCKED',
          `service "${this.service}" is being deployed by ${holder}; wait for it to finish`,
        );
      }
    }
    throw new FerryError('DEPLOY_LOCKED', `cannot take the deploy lock of service "${this.service}"`);
  }

  #read<T>(name: string): T | undefined {
    const file = join(this.dir, name);
    if (!existsSync(file)) return undefined;
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  }

  #write(name: string, value: unknown): void {
    mkdirSync(this.dir, { recursive: true });
    const file = join(this.dir, name);
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(value, null, 2));
    renameSync(tmp, file);
  }
}
