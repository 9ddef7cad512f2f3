import path from 'node:path';
import type { Clock } from '../clock.js';
import type { OutputStream } from './executor.js';

/** A scripted shell's `exit N`, thrown to unwind the command list. */
export class Exit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/** What a built-in may use: its output, the clock and signal (`sleep`), and the fake file system (`pwd`, `mkdir`). */
export interface FakeBuiltinContext {
  write(stream: OutputStream, text: string): void;
  clock: Clock;
  signal: AbortSignal;
}

/**
 * The FakeExecutor's built-in commands: `echo [-n]`, `printf` (\n, \t, %s), `exit N` (throws Exit), `true`, `:`,
 * `false`, `sleep SECONDS`, `pwd`, `mkdir [-p] DIR…`; any other command prints `sh: NAME: not found` and returns 127.
 */
export async function runFakeBuiltin(
  words: string[],
  ctx: FakeBuiltinContext,
  fs: { cwd: string; dirs: Set<string> },
): Promise<number> {
  const [name = '', ...args] = words;
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
    case 'pwd':
      ctx.write('stdout', `${fs.cwd}\n`);
      return 0;
    case 'mkdir':
      for (const dir of args.filter((arg) => arg !== '-p')) {
        for (let at = path.posix.resolve(fs.cwd, dir); at !== '/'; at = path.posix.dirname(at)) fs.dirs.add(at);
      }
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

function formatPrintf(format: string, args: string[]): string {
  let next = 0;
  return format
    .replace(/%s/g, () => args[next++] ?? '')
    .replace(/\\n/g, '\n')
    .replace(/\\t/g, '\t')
    .replace(/\\\\/g, '\\');
}
