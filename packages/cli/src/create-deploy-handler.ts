import type Docker from 'dockerode';
import { DeployHandler, DockerProvider } from '@ferry/engine';
import type { CliIO } from './cli-io.js';
import { connectProxy } from './connect-proxy.js';

/** How `deploy` jobs run from the CLI (`ferry run`, `ferry deploy`): on this Docker engine, behind the local proxy. */
export function createDeployHandler(io: CliIO, docker: Docker, stateDir: string, only?: string[]): DeployHandler {
  return new DeployHandler({
    provider: new DockerProvider(docker),
    router: () => connectProxy(io, stateDir),
    stateDir,
    ...(only ? { only } : {}),
  });
}
