import path from 'node:path';
import Dockerode from 'dockerode';
import { DockerProvider, FerryError, ProxyClient, startHealer, startProxyServer, systemClock } from '@ferry/engine';
import type { CliIO } from '../cli-io.js';

export interface ProxyCommandOptions {
  stateDir: string;
  adminPort?: string | number;
  /** The deploy state root: with it the proxy also heals services (replaces unhealthy replicas between deploys). */
  deployState?: string;
}

/**
 * `ferry proxy`: the service proxy in the foreground (`ferry deploy` starts it detached when none runs).
 * Serves routes.json at once, then runs until SIGTERM or SIGINT, which stop it gracefully: listeners close,
 * running requests finish (up to each service's drain timeout); a second signal exits at once.
 */
export async function proxyCommand(
  io: CliIO,
  options: ProxyCommandOptions,
  docker: () => Dockerode = () => new Dockerode(),
): Promise<number> {
  const stateDir = path.resolve(io.cwd, options.stateDir);
  const adminPort = options.adminPort === undefined ? undefined : Number(options.adminPort);
  if (adminPort !== undefined && (!Number.isInteger(adminPort) || adminPort < 0 || adminPort > 65535)) {
    throw new FerryError(
      'CLI_USAGE',
      `--admin-port ${String(options.adminPort)}: expected a port 0–65535 (0 = any free port)`,
    );
  }
  const log = (line: string) => io.stdout.write(`${new Date().toISOString()} ${line}\n`);
  const server = await startProxyServer({ stateDir, ...(adminPort !== undefined ? { adminPort } : {}), log });
  log(`ferry proxy serving ${stateDir}; token in ${path.join(stateDir, 'token')}`);
  const healer = options.deployState
    ? startHealer({
        stateDir: path.resolve(io.cwd, options.deployState),
        provider: new DockerProvider(docker()),
        router: new ProxyClient({ url: server.adminUrl, token: server.token }),
        clock: systemClock,
        log,
      })
    : undefined;
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    const stop = (received: NodeJS.Signals) => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve(received);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  log(`${signal}: stopping (running requests may finish; send it again to exit at once)`);
  const again = () => process.exit(1);
  process.once('SIGTERM', again);
  process.once('SIGINT', again);
  await healer?.stop();
  await server.close();
  process.off('SIGTERM', again);
  process.off('SIGINT', again);
  return 0;
}
