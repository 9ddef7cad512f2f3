import { type Clock, systemClock } from '../clock.js';
import { FerryError } from '../errors.js';
import type { JobRun } from '../plan/plan-types.js';
import { readFileSync, writeFileSync } from 'node:fs';
import type { ExecIO, ExecStep, Executor, OutputStream, PrepareOptions, SavedFiles, StepResult } from './executor.js';
import { Exit, runFakeBuiltin } from './fake-builtins.js';
import { type FakeShellCommand, parseFakeScript } from './fake-shell.js';
import { LineSplitter } from './line-splitter.js';
import { parseStepFiles, stepFileVariables } from './parse-step-files.js';
import { defaultShellCommand, shellProgram } from './shell-argv.js';
import { stepStartError } from './step-start-error.js';

export interface FakeCommandContext {
  job: JobRun;
  step: ExecStep;
  /** Container env < step env (PATH with the step's `path` before it) < the step files' variables (FERRY_OUTPUT, …). */
  env: Record<string, string>;
  signal: AbortSignal;
  clock: Clock;
  /** Raw text on the command's stdout or stderr (after its redirections); lines are split as a real executor would. */
  write(stream: OutputStream, text: string): void;
}

/** A scripted command: the first whose `match` matches the command's text wins over the built-ins. */
export interface FakeCommand {
  match: RegExp;
  /** Returns the exit status (default 0); may await ctx.clock.sleep(ms, ctx.signal), whose rejection counts as the abort. */
  run(ctx: FakeCommandContext, match: RegExpMatchArray): number | void | Promise<number | void>;
}

export interface FakeExecutorOptions {
  /** Drives `sleep` and durations; inject a fake clock to make them instant. */
  clock?: Clock;
  /** The images prepare accepts; any other fails with EXEC_IMAGE_MISSING. Default: every image. */
  images?: readonly string[];
  commands?: readonly FakeCommand[];
  /** The shells (programs) of each image; an image not listed has `sh` and `bash`. */
  shells?: Record<string, readonly string[]>;
  /** Runs at the end of a successful-so-far prepare: throw to make it fail, emit lines, or wait. */
  onPrepare?(job: JobRun, options: PrepareOptions, io: ExecIO): void | Promise<void>;
}

export type FakeCall =
  | { kind: 'prepare'; job: string; runId: string; image: string }
  | { kind: 'runStep'; job: string; step: number; run: string }
  | { kind: 'teardown'; job: string }
  | { kind: 'openRun' | 'closeRun'; runId: string }
  | { kind: 'saveFiles'; job: string; patterns: string[] }
  | { kind: 'restoreFiles'; job: string; paths: string[] }
  | { kind: 'copyDirectory'; job: string; source: string; target: string };

interface FakeJob {
  runId: string;
  env: Record<string, string>;
  ready: boolean;
  /** Directories that exist in the fake container: the job's workdir, /tmp, and what `mkdir` made. */
  dirs: Set<string>;
}

/** The PATH of the fake container, as the local base images have it. */
const fakePath = '/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * An Executor for scheduler tests, with the Docker executor's lifecycle rules (runStep needs a prepared job,
 * teardown is idempotent) and a tiny shell (see fake-shell.ts) with the built-ins of fake-builtins.ts (the only
 * file system is a set of directories, for `workdir`). Images have `sh` and `bash` unless `shells` says
 * otherwise. A shell's `-e` ends the step at the first failing pipeline, `pipefail` makes a pipeline fail when any
 * of its commands does. Redirections to $FERRY_OUTPUT, $FERRY_ENV and $FERRY_PATH (or their GITHUB_ names) are
 * read back as the Docker executor reads them; to other files, they are discarded. Every call is recorded in
 * `calls`, in order.
 */
export class FakeExecutor implements Executor {
  readonly calls: FakeCall[] = [];
  readonly #clock: Clock;
  readonly #options: FakeExecutorOptions;
  readonly #jobs = new Map<string, FakeJob>();

  constructor(options: FakeExecutorOptions = {}) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
  }

  /** JobRun ids prepared and not yet torn down. */
  get preparedJobs(): string[] {
    return [...this.#jobs.keys()];
  }

  async prepare(job: JobRun, options: PrepareOptions, io: ExecIO): Promise<void> {
    this.calls.push({ kind: 'prepare', job: job.id, runId: options.runId, image: job.image });
    if (this.#jobs.has(job.id)) {
      throw new FerryError(
        'EXEC_CONTAINER',
        `job "${job.id}" is already prepared on this executor; tear it down before preparing it again`,
      );
    }
    if (io.signal.aborted) throw io.signal.reason;
    const state: FakeJob = {
      runId: options.runId,
      env: { PATH: fakePath, ...options.env },
      ready: false,
      dirs: new Set(['/', '/tmp', job.workdir]),
    };
    this.#jobs.set(job.id, state);
    try {
      if (this.#options.images && !this.#options.images.includes(job.image)) {
        throw new FerryError(
          'EXEC_IMAGE_MISSING',
          `image "${job.image}" is not present and could not be pulled: the fake executor knows only ${this.#options.images.join(', ')}`,
        );
      }
      await this.#options.onPrepare?.(job, options, io);
      if (io.signal.aborted) throw io.signal.reason;
      state.ready = true;
    } catch (error) {
      // Like the Docker executor: a failed prepare leaves nothing behind.
      this.#jobs.delete(job.id);
      throw error;
    }
  }

  async runStep(job: JobRun, step: ExecStep, io: ExecIO): Promise<StepResult> {
    this.calls.push({ kind: 'runStep', job: job.id, step: step.index, run: step.run });
    const started = this.#clock.now();
    const state = this.#jobs.get(job.id);
    if (!state?.ready)
      throw new FerryError(
        'EXEC_CONTAINER',
        `job "${job.id}" has no running container; prepare it before running step "${step.name}"`,
      );
    const result = (exitCode: number, aborted: boolean, written?: Partial<StepResult>): StepResult => ({
      exitCode,
      aborted,
      outputs: written?.outputs ?? {},
      env: written?.env ?? {},
      path: written?.path ?? [],
      durationMs: this.#clock.now() - started,
    });
    if (io.signal.aborted) return result(137, true);

    const shell = step.shell ?? defaultShellCommand;
    const cwd = step.workdir ?? job.workdir;
    const details = { image: job.image, shell: shellProgram(shell), workdir: cwd };
    if (!state.dirs.has(cwd)) throw stepStartError('workdir', details);
    if (!this.#hasShell(job.image, details.shell)) throw stepStartError('shell', details);

    const dir = `/tmp/.ferry/fake-${job.id}-${step.index}`;
    const files = { output: `${dir}/output`, env: `${dir}/env`, path: `${dir}/path` };
    const env: Record<string, string> = { ...state.env, ...step.env };
    if (step.path && step.path.length > 0) env.PATH = [...step.path, env.PATH ?? ''].join(':');
    for (const [kind, names] of Object.entries(stepFileVariables) as Array<[keyof typeof files, readonly string[]]>)
      for (const name of names) env[name] = files[kind];
    const splitters = {
      stdout: new LineSplitter((line) => io.onLine('stdout', line)),
      stderr: new LineSplitter((line) => io.onLine('stderr', line)),
    };
    const written: Record<keyof typeof files, string> = { output: '', env: '', path: '' };
    const errexit = /(^|\s)-[a-z]*e/.test(shell);
    const pipefail = /\bpipefail\b/.test(shell);
    let exitCode = 0;
    try {
      let pipeline: number[] = [];
      for (const command of parseFakeScript(step.run, env)) {
        const write = (stream: OutputStream, text: string) => {
          const target = resolveTarget(command, stream);
          const file = (Object.keys(files) as Array<keyof typeof files>).find((kind) => files[kind] === target);
          if (file) written[file] += text;
          else if (command.pipe && target === 'stdout') return;
          else if (target === 'stdout' || target === 'stderr') splitters[target].write(text);
        };
        const context = { job, step, env, signal: io.signal, clock: this.#clock, write };
        pipeline.push(await this.#runCommand(command, context, { cwd, dirs: state.dirs }));
        if (command.pipe) continue;
        const status = (pipefail ? [...pipeline].reverse().find((code) => code !== 0) : pipeline.at(-1)) ?? 0;
        pipeline = [];
        exitCode = status;
        if (status !== 0 && errexit) throw new Exit(status);
      }
    } catch (error) {
      if (io.signal.aborted) {
        flush(splitters);
        return result(137, true);
      }
      if (!(error instanceof Exit)) throw error;
      exitCode = error.code;
    }
    flush(splitters);
    const parsed = parseStepFiles(written);
    for (const issue of parsed.issues) io.onLine('stderr', issue);
    return result(exitCode, false, parsed);
  }

  #hasShell(image: string, program: string): boolean {
    const shells = this.#options.shells?.[image] ?? ['sh', 'bash'];
    return shells.includes(program) || shells.includes(program.split('/').at(-1) ?? '');
  }

  teardown(job: JobRun): Promise<void> {
    this.calls.push({ kind: 'teardown', job: job.id });
    this.#jobs.delete(job.id);
    return Promise.resolve();
  }

  openRun(runId: string): Promise<void> {
    this.calls.push({ kind: 'openRun', runId });
    return Promise.resolve();
  }

  closeRun(runId: string): Promise<void> {
    this.calls.push({ kind: 'closeRun', runId });
    return Promise.resolve();
  }

  /** The fake has no file system: the "archive" is a JSON list of the patterns, each taken as one matched path. */
  saveFiles(job: JobRun, patterns: string[], archive: string): Promise<SavedFiles> {
    this.calls.push({ kind: 'saveFiles', job: job.id, patterns });
    const text = JSON.stringify(patterns);
    writeFileSync(archive, text);
    return Promise.resolve({ paths: [...patterns], bytes: text.length });
  }

  copyDirectory(job: JobRun, source: string, target: string): Promise<void> {
    this.calls.push({ kind: 'copyDirectory', job: job.id, source, target });
    this.#jobs.get(job.id)?.dirs.add(target);
    return Promise.resolve();
  }

  restoreFiles(job: JobRun, archive: string): Promise<void> {
    this.calls.push({
      kind: 'restoreFiles',
      job: job.id,
      paths: JSON.parse(readFileSync(archive, 'utf8')) as string[],
    });
    return Promise.resolve();
  }

  async #runCommand(
    command: FakeShellCommand,
    ctx: FakeCommandContext,
    fs: { cwd: string; dirs: Set<string> },
  ): Promise<number> {
    for (const scripted of this.#options.commands ?? []) {
      const match = command.text.match(scripted.match);
      if (match) return (await scripted.run(ctx, match)) ?? 0;
    }
    return runFakeBuiltin(command.words, ctx, fs);
  }
}

/** Where a command's stream ends up: 'stdout', 'stderr', a file name, or '' for /dev/null. Applied left to right, like sh. */
function resolveTarget(command: FakeShellCommand, stream: OutputStream): string {
  const targets: Record<OutputStream, string> = { stdout: 'stdout', stderr: 'stderr' };
  for (const redirect of command.redirects) {
    targets[redirect.from] =
      'file' in redirect.to ? (redirect.to.file === '/dev/null' ? '' : redirect.to.file) : targets[redirect.to.stream];
  }
  return targets[stream];
}

function flush(splitters: Record<OutputStream, LineSplitter>): void {
  splitters.stdout.end();
  splitters.stderr.end();
}
