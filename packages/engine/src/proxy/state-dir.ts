import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { FerryError } from '../errors.js';
import { isProcessAlive } from '../process/is-process-alive.js';

/** Files of a proxy's state directory. */
export function proxyPaths(stateDir: string) {
  return {
    routes: join(stateDir, 'routes.json'),
    token: join(stateDir, 'token'),
    info: join(stateDir, 'proxy.json'),
    lock: join(stateDir, 'proxy.lock'),
    log: join(stateDir, 'proxy.log'),
  };
}

/** What a running proxy publishes in proxy.json so clients can find it. */
export interface ProxyInfo {
  pid: number;
  adminPort: number;
  adminUrl: string;
  startedAt: string;
}

/** Writes a file so a reader sees the old or the new content, never a part: temp file, fsync, rename. */
export async function writeFileAtomic(path: string, content: string, mode = 0o644): Promise<void> {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await open(temp, 'w', mode);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** The admin token: created at the first start (mode 0600), then reused. */
export function readOrCreateToken(stateDir: string): string {
  const path = proxyPaths(stateDir).token;
  try {
    writeFileSync(path, `${randomBytes(32).toString('hex')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  }
  const token = readFileSync(path, 'utf8').trim();
  if (token.length < 16)
    throw new FerryError(
      'PROXY_UNAVAILABLE',
      `${path} holds no usable token (under 16 characters); remove it and start the proxy again`,
    );
  return token;
}

export function readToken(stateDir: string): string | undefined {
  try {
    return readFileSync(proxyPaths(stateDir).token, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

export function readProxyInfo(stateDir: string): ProxyInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(proxyPaths(stateDir).info, 'utf8')) as Partial<ProxyInfo>;
    return typeof info.adminUrl === 'string' && typeof info.pid === 'number' && typeof info.adminPort === 'number'
      ? (info as ProxyInfo)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the state directory for this process (one proxy per directory: two would fight over ports and
 * routes.json). A lock left by a dead process is taken over. Returns the release function.
 */
export function lockStateDir(stateDir: string): () => void {
  const path = proxyPaths(stateDir).lock;
  for (let round = 0; round < 2; round++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: 'wx' });
      return () => {
        if (readFileSync(path, 'utf8').trim() === String(process.pid)) rmSync(path, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(path, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && isProcessAlive(holder)) {
        throw new FerryError(
          'PROXY_UNAVAILABLE',
          `another proxy (pid ${holder}) already serves ${stateDir}; stop it first (or remove ${path} if that pid is not a proxy)`,
        );
      }
      rmSync(path, { force: true });
    }
  }
  throw new FerryError('PROXY_UNAVAILABLE', `could not lock ${path}: another proxy is starting at the same time`);
}
