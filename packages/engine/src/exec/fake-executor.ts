import { type Clock, systemClock } from '../clock.js';
import { FerryError } from '../errors.js';
import type { JobRun } from '../plan/plan-types.js';
import { readFileSync, writeFileSync } from 'node:fs';
import type { ExecIO, ExecStep, Executor, OutputStream, PrepareOptions, SavedFiles, StepResult } from './executor.js';
import { type FakeShellCommand, parseFakeScript } from './fake-shell.js';
import { LineSplitter } from './line-splitter.js';
import { parseOutputFile } from './parse-output-file.js';

export interface FakeCommandContext {
  job: JobRun;
  step: ExecStep;
  /** Container env < step env < FERRY_OUTPUT. */
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
  /** Runs at the end of a successful-so-far prepare: throw to make it fail, emit lines, or wait. */
  onPrepare?(job: JobRun, options: PrepareOptions, io: ExecIO): void | Promise<void>;
}

export type FakeCall =
  | { kind: 'prepare'; job: string; runId: string; image: string }
  | { kind: 'runStep'; job: string; step: number; run: string }
  | { kind: 'teardown'; job: string }
  | { kind: 'openRun' | 'closeRun'; runId: string }
  | { kind: 'saveFiles'; job: string; patterns: string[] }
  | { kind: 'restoreFiles'; job: string; paths: string[] };

interface FakeJob {
  runId: string;
  env: Record<string, string>;
  ready: boolean;
}

/** A scripted shell's `exit N`, thrown to unwind the command list. */
class Exit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/**
 * An Executor for scheduler tests, with the Docker executor's lifecycle rules (runStep needs a prepared job,
 * teardown is idempotent) and a tiny shell (see fake-shell.ts). Built-ins: `echo [-n]`, `printf` (\n, \t, %s),
 * `exit N`, `true`, `:`, `false`, `sleep SECONDS` (honours the signal); any other command prints
 * `sh: NAME: not found` and exits 127. Steps run with `sh -e` semantics: the first failing command ends them.
 * Redirections to $FERRY_OUTPUT become outputs; to other files, they are discarded. Every call is recorded
 * in `calls`, in order.
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
    const state: FakeJob = { runId: options.runId, env: { ...options.env }, ready: false };
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
    const result = (exitCode: number, aborted: boolean, outputs: Record<string, string> = {}): StepResult => ({
      exitCode,
      aborted,
      outputs,
      durationMs: this.#clock.now() - started,
    });
    if (io.signal.aborted) return result(137, true);

    const outputFile = `/tmp/.ferry/fake-${job.id}-${step.index}.out`;
    const env = { ...state.env, ...step.env, FERRY_OUTPUT: outputFile };
    const splitters = {
      stdout: new LineSplitter((line) => io.onLine('stdout', line)),
      stderr: new LineSplitter((line) => io.onLine('stderr', line)),
    };
    let outputText = '';
    let exitCode = 0;
    try {
      for (const command of parseFakeScript(step.run, env)) {
        const write = (stream: OutputStream, text: string) => {
          const target = resolveTarget(command, stream);
          if (target === outputFile) outputText += text;
          else if (target === 'stdout' || target === 'stderr') splitters[target].write(text);
        };
        const status = await this.#runCommand(command, {
          job,
          step,
          env,
          signal: io.signal,
          clock: this.#clock,
          write,
        });
        if (status !== 0) throw new Exit(status);
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
    const parsed = parseOutputFile(outputText);
    for (const issue of parsed.issues) io.onLine('stderr', `ferry: $FERRY_OUTPUT ${issue}`);
    return result(exitCode, false, parsed.outputs);
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

  restoreFiles(job: JobRun, archive: string): Promise<void> {
    this.calls.push({
      kind: 'restoreFiles',
      job: job.id,
      paths: JSON.parse(readFileSync(archive, 'utf8')) as string[],
    });
    return Promise.resolve();
  }

  async #runCommand(command: FakeShellCommand, ctx: FakeCommandContext): Promise<number> {
    for (const scripted of this.#options.commands ?? []) {
      const match = command.text.match(scripted.match);
      if (match) return (await scripted.run(ctx, match)) ?? 0;
    }
    const [name = '', ...args] = command.words;
    switch (name) {
      case 'echo': {
        const noNewline = args[0] === '-n';
        ctx.write('stdout', (noNewline ? args.slice(1) : args).join(' ') + (noNewline ? '' : '\n'));
        return 0;
      }
      case 'printf':
        ctx.write('stdout', formatPrintf(args[0] ?? '', args.slice(1)));
        return 0;
      case 'exit':
        throw new Exit(Number.parseInt(args[0] ?? '0', 10) & 0xff);
      case 'true':
      case ':':
        return 0;
      case 'false':
        return 1;
      case 'sleep': {
        const seconds = Number(args[0]);
        if (!Number.isFinite(seconds) || seconds < 0) {
          ctx.write('stderr', `sleep: invalid number '${args[0] ?? ''}'\n`);
          return 1;
        }
        await ctx.clock.sleep(seconds * 1000, ctx.signal);
        return 0;
      }
      default:
        ctx.write('stderr', `sh: ${name}: not found\n`);
        return 127;
    }
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

function formatPrintf(format: string, args: string[]): string {
  let next = 0;
  return format
    .replace(/%s/g, () => args[next++] ?? '')
    .replace(/\\n/g, '\n')
    .replace(/\\t/g, '\t')
    .replace(/\\\\/g, '\\');
}

function flush(splitters: Record<OutputStream, LineSplitter>): void {
  splitters.stdout.end();
  splitters.stderr.end();
}
