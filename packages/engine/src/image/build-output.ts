import type { OutputStream } from '../exec/executor.js';
import { LineSplitter } from '../exec/line-splitter.js';
import type { ProgressMessage } from './follow-progress.js';

/** One instruction of the build as the engine numbers it: `Step 2/4 : RUN npm ci`. */
export interface BuildStep {
  number: number;
  total: number;
  instruction: string;
}

/** Why a build stopped: the instruction that failed, the engine's message and the instruction's last output. */
export interface BuildFailure {
  step?: BuildStep;
  message: string;
  /** The exit code of a failing RUN, when the engine reports it. */
  exitCode?: number;
  output: string[];
}

const STEP_LINE = /^Step (\d+)\/(\d+) : (.*)$/;
/** The builder's own bookkeeping lines, kept in the log but not in a failure's output. */
const BUILDER_LINE = /^ ---> |^Removing intermediate container [0-9a-f]+$/;
const USING_CACHE = ' ---> Using cache';
/** The classic builder wraps what a RUN writes to stderr in red. */
const STDERR_START = '\u001b[91m';
const STDERR_END = '\u001b[0m';
const OUTPUT_TAIL = 10;
const MAX_INSTRUCTION = 200;

/**
 * Follows the messages of a classic-builder build: passes its output on line by line (stderr of RUN
 * instructions as stderr, without the colour codes), tracks the current `Step N/M`, counts cache hits, and
 * keeps the image id (`aux.ID`) and the failure (`errorDetail`). Pure: feed it messages, then call end().
 */
export class BuildOutput {
  readonly #onLine: (stream: OutputStream, line: string) => void;
  readonly #splitter: LineSplitter;
  #completed: string[] = [];
  #tail: string[] = [];
  #step: BuildStep | undefined;
  #steps = 0;
  #cached = 0;
  #imageId: string | undefined;
  #failure: BuildFailure | undefined;

  constructor(onLine: (stream: OutputStream, line: string) => void) {
    this.#onLine = onLine;
    this.#splitter = new LineSplitter((line) => this.#completed.push(line));
  }

  get imageId(): string | undefined {
    return this.#imageId;
  }

  get failure(): BuildFailure | undefined {
    return this.#failure;
  }

  /** Steps started and, of those, steps the engine took from its cache. */
  get cache(): { steps: number; cached: number } {
    return { steps: this.#steps, cached: this.#cached };
  }

  handle(message: ProgressMessage): void {
    if (typeof message.stream === 'string') {
      const stderr = message.stream.includes(STDERR_START);
      this.#splitter.write(message.stream.split(STDERR_START).join('').split(STDERR_END).join(''));
      this.#flush(stderr ? 'stderr' : 'stdout');
    }
    if (typeof message.status === 'string' && message.progressDetail?.current === undefined) {
      this.#onLine('stdout', message.id ? `${message.id}: ${message.status}` : message.status);
    }
    if (typeof message.aux?.ID === 'string') this.#imageId = message.aux.ID;
    if (message.errorDetail || message.error) {
      this.end();
      const text = (message.errorDetail?.message ?? message.error ?? 'the build failed').trim();
      const exitCode = message.errorDetail?.code;
      this.#failure = {
        ...(this.#step ? { step: this.#step } : {}),
        message: text,
        ...(typeof exitCode === 'number' ? { exitCode } : {}),
        output: [...this.#tail],
      };
    }
  }

  /** Flushes a last line that had no newline. */
  end(): void {
    this.#splitter.end();
    this.#flush('stdout');
  }

  #flush(stream: OutputStream): void {
    for (const line of this.#completed.splice(0)) {
      const step = STEP_LINE.exec(line);
      if (step) {
        this.#step = { number: Number(step[1]), total: Number(step[2]), instruction: step[3] ?? '' };
        this.#steps += 1;
        this.#tail = [];
      } else if (line.startsWith(USING_CACHE)) {
        this.#cached += 1;
      } else if (!BUILDER_LINE.test(line) && line.trim() !== '') {
        this.#tail.push(line);
        if (this.#tail.length > OUTPUT_TAIL) this.#tail.shift();
      }
      this.#onLine(stream, line);
    }
  }
}

/**
 * The job's error for a failed build: the instruction first, then the engine's reason (a RUN's exit code)
 * and the instruction's last output lines.
 *
 *     app/Dockerfile step 2/3 failed: RUN npm ci
 *     exit code 1; last output:
 *       npm ERR! missing script: ci
 */
export function describeBuildFailure(failure: BuildFailure, dockerfile: string): string {
  if (!failure.step) return `docker build of ${dockerfile} failed: ${failure.message}`;
  const { number, total, instruction } = failure.step;
  const shown = instruction.length > MAX_INSTRUCTION ? `${instruction.slice(0, MAX_INSTRUCTION)}…` : instruction;
  const nonZero = /returned a non-zero code: (\d+)\s*$/.exec(failure.message);
  const reason = nonZero ? `exit code ${nonZero[1]}` : failure.message;
  const lines = [`${dockerfile} step ${number}/${total} failed: ${shown}`];
  if (failure.output.length === 0) lines.push(reason);
  else lines.push(`${reason}; last output:`, ...failure.output.map((line) => `  ${line}`));
  return lines.join('\n');
}
