import { mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import { FerryError } from '../errors.js';
import { createAdminHandler } from './admin-api.js';
import { ProxyRoutes } from './proxy-routes.js';
import { RouteStore } from './route-store.js';
import { lockStateDir, proxyPaths, readOrCreateToken, readProxyInfo, writeFileAtomic } from './state-dir.js';
import type { ProxyInfo } from './state-dir.js';

export interface ProxyServerOptions {
  stateDir: string;
  /** Admin API port on 127.0.0.1; 0 = any free port. Default: the previous run's port when free, else any. */
  adminPort?: number;
  clock?: Clock;
  log?: (line: string) => void;
}

export interface ProxyServer {
  adminUrl: string;
  token: string;
  /** Stops the admin API and every service listener; running requests finish (up to each drain timeout). Idempotent. */
  close(): Promise<void>;
}

/**
 * The Ferry proxy, in process: locks the state dir, loads routes.json and serves it at once, then opens the
 * admin API and publishes its port and pid in proxy.json. `ferry proxy` runs this until SIGTERM.
 */
export async function startProxyServer(options: ProxyServerOptions): Promise<ProxyServer> {
  const { stateDir } = options;
  const log = options.log ?? (() => undefined);
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const paths = proxyPaths(stateDir);
  const unlock = lockStateDir(stateDir);
  let routes: ProxyRoutes | undefined;
  let admin: Server | undefined;
  try {
    const token = readOrCreateToken(stateDir);
    const store = new RouteStore(stateDir);
    routes = new ProxyRoutes(store, { clock: options.clock ?? systemClock, log });
    const table = store.load();
    await routes.restore(table);
    if (table.services.length > 0) log(`restored ${table.services.length} service(s) from ${paths.routes}`);

    admin = createServer(createAdminHandler(routes, token));
    const adminPort = await listenAdmin(
      admin,
      options.adminPort ?? readProxyInfo(stateDir)?.adminPort,
      options.adminPort === undefined,
    );
    admin.on('error', (error) => log(`admin API error: ${error.message}`));
    const adminUrl = `http://127.0.0.1:${adminPort}`;
    const info: ProxyInfo = { pid: process.pid, adminPort, adminUrl, startedAt: new Date().toISOString() };
    await writeFileAtomic(paths.info, `${JSON.stringify(info, null, 2)}\n`);
    log(`admin API on ${adminUrl} (pid ${process.pid})`);

    let closing: Promise<void> | undefined;
    const openRoutes = routes;
    const openAdmin = admin;
    return {
      adminUrl,
      token,
      close: () =>
        (closing ??= (async () => {
          openAdmin.close();
          openAdmin.closeAllConnections();
          await openRoutes.close();
          if (readProxyInfo(stateDir)?.pid === process.pid) rmSync(paths.info, { force: true });
          unlock();
          log('stopped');
        })()),
    };
  } catch (error) {
    admin?.close();
    await routes?.close();
    unlock();
    throw error;
  }
}

/** Binds the admin API; a remembered port that is taken falls back to any free port, an asked-for one fails. */
async function listenAdmin(server: Server, port: number | undefined, remembered: boolean): Promise<number> {
  const bind = (candidate: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: '127.0.0.1', port: candidate, exclusive: true }, () => {
        server.off('error', reject);
        const address = server.address();
        resolve(typeof address === 'object' && address ? address.port : candidate);
      });
    });
  try {
    return await bind(port ?? 0);
  } catch (error) {
    if (remembered && port !== undefined && port !== 0 && (error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      try {
        return await bind(0);
      } catch {
        // fall through to the first error
      }
    }
    throw new FerryError(
      'PROXY_UNAVAILABLE',
      `admin API cannot listen on 127.0.0.1:${port ?? 0}: ${(error as Error).message}`,
      { cause: error },
    );
  }
}
