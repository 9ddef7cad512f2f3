import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const ferryBin = new URL('../../packages/cli/dist/main.js', import.meta.url).pathname;

export interface RunnerProcessOptions {
  redisUrl: string;
  name: string;
  labels?: string;
  concurrency?: number;
  lease?: string;
  grace?: string;
  retryBackoff?: string;
  /** --pool: started containers kept per image. */
  pool?: number;
  env?: Record<string, string>;
  /** More command-line arguments (`--image node=ferry/node:20`). */
  args?: string[];
}

export interface RunnerProcess {
  name: string;
  workdir: string;
  child: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  /** Resolves with the first output line matching `pattern` (also one printed before the call). */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Its /healthz and /metrics base URL, once it printed it. */
  httpUrl(): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const spawned: RunnerProcess[] = [];

/**
 * `ferry runner` as a real child process (built CLI: run `npx tsc -b` first), so that SIGKILL is real.
 * Quick test timings: polls every 200ms, retries after 200ms, serves HTTP on a free port.
 */
export async function spawnRunner(options: RunnerProcessOptions): Promise<RunnerProcess> {
  const workdir = await mkdtemp(path.join(tmpdir(), `ferry-runner-${options.name}-`));
  const args = [
    ferryBin,
    'runner',
    '--redis',
    options.redisUrl,
    '--name',
    options.name,
    '--labels',
    options.labels ?? 'docker,linux',
    '--concurrency',
    String(options.concurrency ?? 2),
    '--workdir',
    workdir,
    '--listen',
    '127.0.0.1:0',
    '--poll',
    '200ms',
    '--lease',
    options.lease ?? '30s',
    '--grace',
    options.grace ?? '30s',
    '--retry-backoff',
    options.retryBackoff ?? '200ms',
    ...(options.args ?? []),
    ...(options.pool !== undefined ? ['--pool', String(options.pool)] : []),
  ];
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...options.env, FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const waiters = new Set<() => void>();
  const append = (chunk: Buffer) => {
    text += chunk.toString();
    for (const wake of waiters) wake();
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const waitForLine = (pattern: RegExp, timeoutMs = 20_000) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const line = text.split('\n').find((candidate) => pattern.test(candidate));
        if (line === undefined) return false;
        cleanup();
        resolve(line);
        return true;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(
            `runner ${options.name} printed no line matching ${pattern} within ${timeoutMs}ms; it printed:\n${text}`,
          ),
        );
      }, timeoutMs);
      const onExit = () => {
        if (!check()) {
          cleanup();
          reject(new Error(`runner ${options.name} exited before printing ${pattern}; it printed:\n${text}`));
        }
      };
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(wake);
        child.off('exit', onExit);
      };
      const wake = () => void check();
      waiters.add(wake);
      child.once('exit', onExit);
      check();
    });
  const runner: RunnerProcess = {
    name: options.name,
    workdir,
    child,
    output: () => text,
    waitForLine,
    httpUrl: async () => /serving (http:\/\/[^/]+)\/healthz/.exec(await waitForLine(/serving http/))?.[1] ?? '',
    exited,
  };
  spawned.push(runner);
  await waitForLine(/ready: labels/);
  return runner;
}

/** SIGKILLs every runner still alive, waits for them, removes their work dirs. */
export async function killAllRunners(): Promise<void> {
  for (const runner of spawned.splice(0)) {
    if (runner.child.exitCode === null && runner.child.signalCode === null) runner.child.kill('SIGKILL');
    await runner.exited;
    await rm(runner.workdir, { recursive: true, force: true });
  }
}
