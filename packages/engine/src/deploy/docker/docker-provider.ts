import { randomBytes } from 'node:crypto';
import type Dockerode from 'dockerode';
import { FerryError } from '../../errors.js';
import { runExec } from '../../exec/docker/container-exec.js';
import { dockerStatus, toFerryError } from '../../exec/docker/docker-errors.js';
import type { Replica, ResolvedService } from '../deploy-types.js';
import type { Provider } from '../provider.js';
import { demuxLogs } from '../../exec/docker/demux-logs.js';

export const SERVICE_LABEL = {
  service: 'ferry.service',
  revision: 'ferry.revision',
  deploy: 'ferry.deploy',
  config: 'ferry.config',
} as const;

/**
 * Replicas as containers on one Docker engine (the local socket, or DOCKER_HOST tcp/ssh through dockerode).
 * Each is published on an ephemeral port of 127.0.0.1, runs with an init (a PID 1 that ignores SIGTERM is the
 * common case) and no-new-privileges, and is labelled with its service and revision.
 */
export class DockerProvider implements Provider {
  constructor(private readonly docker: Dockerode) {}

  async list(service: string): Promise<Replica[]> {
    const containers = await this.#call(
      () => this.docker.listContainers({ all: true, filters: { label: [`${SERVICE_LABEL.service}=${service}`] } }),
      'list replicas',
    );
    return containers.map((info) => {
      const port = info.Ports.find((p) => p.IP === '127.0.0.1' && p.PublicPort)?.PublicPort;
      return {
        id: info.Id,
        name: (info.Names[0] ?? info.Id).replace(/^\//, ''),
        service,
        revision: Number(info.Labels[SERVICE_LABEL.revision] ?? 0),
        address: `127.0.0.1:${port ?? 0}`,
        running: info.State === 'running',
        createdAt: info.Created * 1000,
      };
    });
  }

  async start(service: ResolvedService, revision: number, deployId: string): Promise<Replica> {
    const name = `ferry-${service.name}-r${revision}-${randomBytes(3).toString('hex')}`;
    const portKey = `${service.port}/tcp`;
    const container = await this.#call(
      () =>
        this.docker.createContainer({
          name,
          Image: service.image,
          ...(service.command ? { Cmd: service.command } : {}),
          Env: Object.entries(service.env).map(([key, value]) => `${key}=${value}`),
          Labels: {
            [SERVICE_LABEL.service]: service.name,
            [SERVICE_LABEL.revision]: String(revision),
            [SERVICE_LABEL.deploy]: deployId,
            [SERVICE_LABEL.config]: service.configHash.slice(0, 16),
          },
          ExposedPorts: { [portKey]: {} },
          StopTimeout: Math.ceil(service.stopGraceMs / 1000),
          HostConfig: {
            PortBindings: { [portKey]: [{ HostIp: '127.0.0.1', HostPort: '' }] },
            Init: service.init,
            SecurityOpt: ['no-new-privileges'],
            RestartPolicy: { Name: 'no' },
          },
        }),
      `create a replica of ${service.name} from ${service.image}`,
    );
    try {
      await container.start();
      const info = await container.inspect();
      const port = info.NetworkSettings.Ports[portKey]?.[0]?.HostPort;
      // A replica that exited at once has no port any more; it is returned as such and the health watch fails it.
      if (!port && info.State.Running)
        throw new FerryError('DEPLOY_INVALID', `replica ${name} has no published port for ${portKey}`);
      return {
        id: container.id,
        name,
        service: service.name,
        revision,
        address: `127.0.0.1:${port ?? 0}`,
        running: info.State.Running,
        createdAt: Date.now(),
      };
    } catch (error) {
      await container.remove({ force: true }).catch(() => undefined);
      throw error instanceof FerryError ? error : toFerryError(this.docker, error, `start replica ${name}`);
    }
  }

  async state(replica: Replica): Promise<{ running: boolean; exitCode?: number }> {
    try {
      const info = await this.docker.getContainer(replica.id).inspect();
      return info.State.Running ? { running: true } : { running: false, exitCode: info.State.ExitCode };
    } catch (error) {
      if (dockerStatus(error) === 404) return { running: false };
      throw toFerryError(this.docker, error, `inspect replica ${replica.name}`);
    }
  }

  async exec(replica: Replica, command: string, timeoutMs: number): Promise<{ exitCode: number; output: string }> {
    const outcome = await Promise.race([
      runExec(this.docker.getContainer(replica.id), { Cmd: ['sh', '-c', command] }),
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), timeoutMs).unref()),
    ]);
    if (!outcome) return { exitCode: -1, output: `no answer within ${timeoutMs} ms` };
    return { exitCode: outcome.exitCode ?? -1, output: `${outcome.stdout}${outcome.stderr}` };
  }

  async remove(replica: Replica, graceMs: number): Promise<void> {
    const container = this.docker.getContainer(replica.id);
    try {
      await container.stop({ t: Math.ceil(graceMs / 1000) });
    } catch (error) {
      const status = dockerStatus(error);
      if (status !== 304 && status !== 404) throw toFerryError(this.docker, error, `stop replica ${replica.name}`);
    }
    try {
      await container.remove({ force: true });
    } catch (error) {
      const status = dockerStatus(error);
      if (status !== 404 && status !== 409) throw toFerryError(this.docker, error, `remove replica ${replica.name}`);
    }
  }

  async logs(replica: Replica, lines: number): Promise<string> {
    try {
      const raw = await this.docker
        .getContainer(replica.id)
        .logs({ stdout: true, stderr: true, tail: lines, follow: false });
      return demuxLogs(raw).trimEnd();
    } catch {
      return '';
    }
  }

  async #call<T>(action: () => Promise<T>, what: string): Promise<T> {
    try {
      return await action();
    } catch (error) {
      throw toFerryError(this.docker, error, `cannot ${what}`);
    }
  }
}
