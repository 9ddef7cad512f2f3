// Small helpers shared by the deploy bench: run a command, sleep, find a free loopback port, timestamps.
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export const now = () => performance.now();
export const seconds = (ms) => (ms === undefined ? '–' : (ms / 1000).toFixed(1));

/** Runs `docker ...args`; resolves with trimmed stdout, rejects with stderr in the message. */
export function docker(args, { input } = {}) {
  return new Promise((resolve, reject) => {
    const child = execFile('docker', args, { maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`docker ${args.slice(0, 3).join(' ')} …: ${stderr.trim() || error.message}`));
      else resolve(stdout.trim());
    });
    if (input !== undefined) child.stdin.end(input);
  });
}

/** The same, for cleanup: never throws; reports what failed, except that it was gone already. */
export const tryDocker = (args, warn = console.error) =>
  docker(args).catch((error) => /No such|not found/i.test(error.message) || warn(`cleanup: ${error.message.split('\n')[0]}`));

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Polls `check` every `everyMs` until it returns a truthy value; throws after `timeoutMs`. */
export async function waitFor(what, check, { timeoutMs = 60_000, everyMs = 100 } = {}) {
  const deadline = now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value) return value;
    if (now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
    await sleep(everyMs);
  }
}

const cleanups = new Set();
/** Registers an idempotent cleanup; call the returned function in `finally`. runCleanups() runs the rest on Ctrl-C. */
export function onCleanup(fn) {
  let running;
  const run = () => {
    cleanups.delete(run);
    return (running ??= fn());
  };
  cleanups.add(run);
  return run;
}
export async function runCleanups() {
  for (const run of [...cleanups].reverse()) await Promise.resolve(run()).catch((error) => console.error(`cleanup: ${error.message}`));
}
