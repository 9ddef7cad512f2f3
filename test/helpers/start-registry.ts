import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { freePort } from './free-port.js';

export interface TestRegistry {
  /** `127.0.0.1:<port>`: the registry part of image references. */
  host: string;
  port: number;
  /** Temp directory holding the config and the storage. */
  dir: string;
  /** Stops the process and deletes the storage; idempotent. */
  stop(): Promise<void>;
}

export interface StartRegistryOptions {
  /** Lines of an htpasswd file (bcrypt); the registry then requires basic auth. */
  htpasswd?: string;
}

const BINARY = '/usr/bin/docker-registry';
const READY_TIMEOUT_MS = 10_000;

/**
 * Starts Debian's docker-registry (distribution 2.8) on 127.0.0.1 and a free port, with its storage in a temp
 * directory, and waits until `/v2/` answers. The engine treats 127.0.0.0/8 registries as insecure, so plain
 * HTTP works without daemon configuration. Call stop() in afterAll.
 */
export async function startRegistry(options: StartRegistryOptions = {}): Promise<TestRegistry> {
  let lastError: unknown;
  // A free port can be taken between finding and binding it; a retry with another one settles that.
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      return await startOnce(options);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

async function startOnce(options: StartRegistryOptions): Promise<TestRegistry> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ferry-registry-'));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const auth =
    options.htpasswd === undefined
      ? ''
      : `auth:\n  htpasswd:\n    realm: ferry-test\n    path: ${path.join(dir, 'htpasswd')}\n`;
  if (options.htpasswd !== undefined) await writeFile(path.join(dir, 'htpasswd'), options.htpasswd);
  const config = [
    'version: 0.1',
    'log:',
    '  level: error',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${path.join(dir, 'data')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: ${host}`,
    auth,
  ].join('\n');
  await writeFile(path.join(dir, 'config.yml'), config);

  const child = execa(BINARY, ['serve', path.join(dir, 'config.yml')], {
    reject: false,
    stdin: 'ignore',
    all: true,
    buffer: { all: true },
  });
  let exited = false;
  const exit = child.then((result) => {
    exited = true;
    return result;
  });

  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exit;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await waitUntilReady(host, child, () => exited);
  } catch (error) {
    await stop();
    const result = exited ? await exit : undefined;
    throw new Error(
      `docker-registry did not start on ${host}: ${(error as Error).message}${result?.all ? `\n${String(result.all)}` : ''}`,
    );
  }
  return { host, port, dir, stop };
}

async function waitUntilReady(host: string, child: ResultPromise, hasExited: () => boolean): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (hasExited()) throw new Error(`it exited (pid ${child.pid ?? '?'})`);
    try {
      const response = await fetch(`http://${host}/v2/`, { signal: AbortSignal.timeout(1000) });
      if (response.status === 200 || response.status === 401) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no answer from http://${host}/v2/ within ${READY_TIMEOUT_MS} ms`);
}
