import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import { FerryError } from '../errors.js';
import { ProxyClient } from './proxy-client.js';
import { proxyPaths, readProxyInfo, readToken } from './state-dir.js';

export interface EnsureProxyOptions {
  stateDir: string;
  /** How to start it, e.g. ['node', '/path/to/ferry/main.js', 'proxy', '--state-dir', dir]. */
  command: string[];
  /** How long a started proxy may take to answer /healthz. Default 10 s. */
  startTimeoutMs?: number;
  clock?: Clock;
}

/**
 * A client for the proxy serving `stateDir`, starting it when none answers: the command runs detached (it
 * outlives the caller, so traffic keeps flowing while no deployer runs), output appended to proxy.log.
 * Concurrent callers converge on one proxy: a second one started for the same directory exits on its lock,
 * and every caller waits for whichever proxy proxy.json names to answer.
 */
export async function ensureProxy(options: EnsureProxyOptions): Promise<ProxyClient> {
  const { stateDir } = options;
  const clock = options.clock ?? systemClock;
  const running = await connect(stateDir);
  if (running) return running;

  const [file, ...args] = options.command;
  if (file === undefined) throw new FerryError('PROXY_UNAVAILABLE', 'ensureProxy needs a command to start the proxy');
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const logPath = proxyPaths(stateDir).log;
  const logFd = openSync(logPath, 'a');
  let exit: string | undefined;
  let exitedAt: number | undefined;
  try {
    const child = spawn(file, args, { detached: true, stdio: ['ignore', logFd, logFd] });
    child.once('error', (error) => {
      exit = `could not start ${file}: ${error.message}`;
      exitedAt = clock.now();
    });
    child.once('exit', (code, signal) => {
      exit ??= `it exited (${signal ?? `code ${code}`})`;
      exitedAt ??= clock.now();
    });
    child.unref();
  } finally {
    closeSync(logFd);
  }

  const deadline = clock.now() + (options.startTimeoutMs ?? 10_000);
  while (clock.now() < deadline) {
    const client = await connect(stateDir);
    if (client) return client;
    // Ours exited: it may have lost a start race to another proxy, give that one 2 s to answer.
    if (exitedAt !== undefined && clock.now() - exitedAt > 2000) break;
    await clock.sleep(100);
  }
  const why = exit ?? `it did not answer within ${options.startTimeoutMs ?? 10_000} ms`;
  throw new FerryError(
    'PROXY_UNAVAILABLE',
    `the Ferry proxy for ${stateDir} did not come up: ${why}. Last lines of ${logPath}:\n${tail(logPath, 20)}`,
  );
}

/** A client for the proxy proxy.json names, if it answers /healthz as that process. */
async function connect(stateDir: string): Promise<ProxyClient | undefined> {
  const info = readProxyInfo(stateDir);
  const token = readToken(stateDir);
  if (!info || !token) return undefined;
  const client = new ProxyClient({ url: info.adminUrl, token, timeoutMs: 2000 });
  try {
    const health = await client.health();
    if (!health.ok || health.pid !== info.pid) return undefined;
  } catch {
    return undefined;
  }
  return new ProxyClient({ url: info.adminUrl, token });
}

function tail(path: string, lines: number): string {
  try {
    return (
      readFileSync(path, 'utf8')
        .trimEnd()
        .split('\n')
        .slice(-lines)
        .map((line) => `  ${line}`)
        .join('\n') || '  (empty)'
    );
  } catch {
    return '  (no log)';
  }
}
