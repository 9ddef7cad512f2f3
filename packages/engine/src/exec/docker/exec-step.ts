import { randomBytes, randomUUID } from 'node:crypto';
import type Dockerode from 'dockerode';
import type { Clock } from '../../clock.js';
import { FerryError } from '../../errors.js';
import type { ExecIO, ExecStep, OutputStream, StepResult } from '../executor.js';
import { formatBytes } from '../format-bytes.js';
import { LineSplitter } from '../line-splitter.js';
import { parseStepFiles, stepFileVariables } from '../parse-step-files.js';
import { defaultShellCommand, shellArgv, shellProgram } from '../shell-argv.js';
import { stepStartError } from '../step-start-error.js';
import { execExitCode, type RunningExec, runExec, startExec } from './container-exec.js';
import { toFerryError } from './docker-errors.js';
import { readContainerFiles } from './read-container-file.js';
import { killStepCommand, STEP_ID_VAR, stepCommand, type StepFiles, stepFiles } from './step-scripts.js';

export interface ExecStepContext {
  docker: Dockerode;
  /** The job's running container. */
  container: Dockerode.Container;
  jobId: string;
  /** The job's image, for messages. */
  image: string;
  clock: Clock;
}

/** The exit code reported for a step that was aborted (SIGKILL), also when it was aborted before it started. */
export const KILLED_EXIT_CODE = 137;
const MAX_STEP_FILE_BYTES = 1024 * 1024;
/** How long to wait for a killed step's output stream to close before killing again. */
const KILL_SETTLE_MS = 1500;
const KILL_ATTEMPTS = 3;

/**
 * Runs one step as a `docker exec` of its shell on a file holding its script (see stepCommand) with the step's
 * env, FERRY_OUTPUT, FERRY_ENV, FERRY_PATH (and their GITHUB_ names) and FERRY_STEP_ID, streaming its lines. A
 * non-zero exit is a result; what the step wrote to those files is read also after one. On abort it kills every
 * process of the step (see killStepCommand) and resolves with aborted: true. Throws EXEC_SHELL_MISSING or
 * EXEC_WORKDIR_MISSING when the step could not start, EXEC_DOCKER_UNAVAILABLE or EXEC_CONTAINER when Docker
 * fails, and rethrows the first error io.onLine threw.
 */
export async function execStep(ctx: ExecStepContext, step: ExecStep, io: ExecIO): Promise<StepResult> {
  const started = ctx.clock.now();
  const result = (exitCode: number, aborted: boolean, written?: Partial<StepResult>): StepResult => ({
    exitCode,
    aborted,
    outputs: written?.outputs ?? {},
    env: written?.env ?? {},
    path: written?.path ?? [],
    durationMs: ctx.clock.now() - started,
  });
  if (io.signal.aborted) return result(KILLED_EXIT_CODE, true);

  const files = stepFiles(`${step.index}-${randomBytes(4).toString('hex')}`);
  const stepId = randomUUID();
  const env = [
    ...Object.entries(step.env).map(([key, value]) => `${key}=${value}`),
    ...stepFileVariables.output.map((name) => `${name}=${files.output}`),
    ...stepFileVariables.env.map((name) => `${name}=${files.env}`),
    ...stepFileVariables.path.map((name) => `${name}=${files.path}`),
    `${STEP_ID_VAR}=${stepId}`,
  ];
  const shell = step.shell ?? defaultShellCommand;
  const command = stepCommand(step.run, files, {
    argv: shellArgv(shell, files.script),
    ...(step.workdir !== undefined ? { workdir: step.workdir } : {}),
    ...(step.path !== undefined ? { path: step.path } : {}),
  });
  // A throwing consumer must not crash the stream's event handler; its first error is rethrown after the step.
  let consumerError: { error: unknown } | undefined;
  const deliver = (stream: OutputStream) => (line: string) => {
    try {
      io.onLine(stream, line);
    } catch (error) {
      consumerError ??= { error };
    }
  };
  const stdout = new LineSplitter(deliver('stdout'));
  const stderr = new LineSplitter(deliver('stderr'));
  const what = `cannot run step "${step.name}" of job "${ctx.jobId}"`;

  let running: RunningExec;
  try {
    running = await startExec(
      ctx.container,
      { Cmd: command, Env: env },
      (c) => stdout.write(c),
      (c) => stderr.write(c),
    );
  } catch (error) {
    throw toFerryError(ctx.docker, error, what);
  }

  let stopping: Promise<void> | undefined;
  const onAbort = () => {
    stopping ??= stopStep(ctx.container, running, stepId, files, io);
  };
  io.signal.addEventListener('abort', onAbort, { once: true });
  if (io.signal.aborted) onAbort();
  try {
    await running.ended;
    await stopping;
  } finally {
    io.signal.removeEventListener('abort', onAbort);
  }
  stdout.end();
  stderr.end();
  if (consumerError) throw consumerError.error;

  if (stopping) {
    const exitCode = await execExitCode(running.exec, 500).catch(() => undefined);
    return result(exitCode ?? KILLED_EXIT_CODE, true);
  }
  try {
    const exitCode = await execExitCode(running.exec);
    if (exitCode === undefined) {
      throw new FerryError('EXEC_CONTAINER', `${what}: Docker reported no exit code; did the container stop?`);
    }
    const { error, ...written } = await readStepFiles(ctx.container, files, io);
    if (error !== undefined) {
      const details = { image: ctx.image, shell: shellProgram(shell), workdir: step.workdir ?? '' };
      throw stepStartError(error, details);
    }
    return result(exitCode, false, written);
  } catch (error) {
    throw toFerryError(ctx.docker, error, what);
  }
}

/** Kills the step's processes until its output stream closes; gives up on the stream after a few rounds (teardown removes leftovers). */
async function stopStep(
  container: Dockerode.Container,
  running: RunningExec,
  stepId: string,
  files: StepFiles,
  io: ExecIO,
): Promise<void> {
  for (let attempt = 0; attempt < KILL_ATTEMPTS; attempt++) {
    try {
      await runExec(container, { Cmd: killStepCommand(stepId, files) });
    } catch {
      // The container is gone or Docker is unreachable: the step's stream ends (or errors) by itself.
    }
    if (await settlesWithin(running.ended, KILL_SETTLE_MS)) return;
  }
  io.onLine(
    'stderr',
    'ferry: some processes of the aborted step could not be stopped; they end when the job container is removed',
  );
  running.detach();
}

/** What the step left in its directory (absent when it wrote nothing), and why it did not start if it did not. */
async function readStepFiles(
  container: Dockerode.Container,
  files: StepFiles,
  io: ExecIO,
): Promise<Partial<StepResult> & { error?: 'shell' | 'workdir' }> {
  const found = await readContainerFiles(container, files.dir, MAX_STEP_FILE_BYTES);
  if (!found) return {};
  const text = (name: string) => found[name]?.content.toString('utf8');
  const parsed = parseStepFiles({ output: text('output'), env: text('env'), path: text('path') });
  for (const issue of parsed.issues) io.onLine('stderr', issue);
  for (const [name, variable] of [
    ['output', 'FERRY_OUTPUT'],
    ['env', 'FERRY_ENV'],
    ['path', 'FERRY_PATH'],
  ] as const) {
    if (found[name]?.truncated)
      io.onLine(
        'stderr',
        `ferry: $${variable} is larger than ${formatBytes(MAX_STEP_FILE_BYTES)}; only its start was read`,
      );
  }
  const error = text('error')?.trim();
  return { ...parsed, ...(error === 'shell' || error === 'workdir' ? { error } : {}) };
}

function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    void promise.finally(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}
