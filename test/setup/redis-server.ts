import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../helpers/free-port.js';

export interface RedisServer {
  url: string;
  port: number;
  /** Stops the server (SIGTERM: an append-only file is flushed first) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port and directory (with persistence, on the same data). */
  start(): Promise<void>;
  /** stop(), then removes its directory. */
  destroy(): Promise<void>;
}

export interface RedisServerOptions {
  /** Keep data across restarts in an append-only file (fsync on every write). Default: nothing persisted. */
  persist?: boolean;
}

/** A private redis-server on a free loopback port, in a temp directory of its own. */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ferry-redis-'));
  let port = 0;
  let child: ChildProcess | undefined;
  const args = () => [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    ...(options.persist ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']),
    '--daemonize',
    'no',
    '--loglevel',
    'warning',
  ];
  const start = async () => {
    let stderr = '';
    for (let tries = 0; tries < 4; tries += 1) {
      port = await freePort();
      const proc = spawn('redis-server', args(), { stdio: ['ignore', 'ignore', 'pipe'] });
      child = proc;
      proc.once('error', (error: NodeJS.ErrnoException) => {
        stderr +=
          error.code === 'ENOENT'
            ? 'redis-server is not installed (Debian: apt-get install redis-server)'
            : error.message;
      });
      proc.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      if (await answersPing(port, proc, 5000)) return;
      proc.kill('SIGKILL');
      if (stderr.includes('not installed')) break;
    }
    throw new Error(`redis-server did not start: ${stderr}`);
  };
  const stop = async () => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGTERM');
    await exited;
  };
  await start();
  const firstPort = port;
  return {
    url: `redis://127.0.0.1:${firstPort}`,
    port: firstPort,
    stop,
    async start() {
      // Same port: clients reconnect to where they were.
      const proc = spawn('redis-server', args(), { stdio: 'ignore' });
      proc.once('error', () => undefined);
      child = proc;
      if (!(await answersPing(port, proc, 10_000))) throw new Error(`redis-server did not restart on port ${port}`);
    },
    async destroy() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Polls with a raw PING until +PONG (not -LOADING) comes back, the process exits, or the time is up. */
async function answersPing(port: number, proc: ChildProcess, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null || proc.pid === undefined) return false;
    const reply = await new Promise<string>((resolve) => {
      const socket = new Socket();
      let data = '';
      const done = (value: string) => {
        socket.destroy();
        resolve(value);
      };
      socket.setTimeout(500, () => done(''));
      socket.once('error', () => done(''));
      socket.on('data', (chunk) => {
        data += chunk.toString();
        if (data.includes('\r\n')) done(data);
      });
      socket.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
    });
    if (reply.startsWith('+PONG')) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}
