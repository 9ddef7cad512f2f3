import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { systemClock } from '../../packages/engine/src/clock.js';
import { DockerProvider } from '../../packages/engine/src/deploy/docker/docker-provider.js';
import { resolveService } from '../../packages/engine/src/deploy/resolve-service.js';
import { planService } from '../../packages/engine/src/plan/plan-service.js';
import { rollOut } from '../../packages/engine/src/deploy/roll-out.js';
import type { RolloutResult } from '../../packages/engine/src/deploy/roll-out.js';
import { ServiceState } from '../../packages/engine/src/deploy/state/service-state.js';
import { ProxyClient } from '../../packages/engine/src/proxy/proxy-client.js';
import { startProxyServer } from '../../packages/engine/src/proxy/proxy-server.js';
import type { RunEventBody } from '../../packages/engine/src/run/events.js';
import type { ServiceSpec } from '../../packages/engine/src/pipeline/pipeline-schema.js';
import { freePort } from './free-port.js';

export type TimedEvent = RunEventBody & { at: number };

/** A real proxy (in process) on a temp state dir, the Docker provider, and a `deploy` that rolls a spec out. */
export interface DeployHarness {
  docker: Docker;
  provider: DockerProvider;
  client: ProxyClient;
  stateDir: string;
  deploy(name: string, spec: ServiceSpec, events?: TimedEvent[]): Promise<RolloutResult>;
  /** What the proxy logged (its own 5xx answers among them). */
  proxyLog: string[];
  /**
   * Stops the proxy, runs `meanwhile` (a crash's damage: replicas removed while nothing watches), then starts
   * a new proxy on the same state dir and admin port, which restores routes.json.
   */
  restartProxy(meanwhile?: () => Promise<void>): Promise<void>;
  /** Closes the proxy and removes every replica of the services deployed through it. */
  close(): Promise<void>;
}

export async function startDeployHarness(prefix: string): Promise<DeployHarness> {
  const docker = new Docker();
  const provider = new DockerProvider(docker);
  const stateDir = mkdtempSync(join(tmpdir(), `ferry-${prefix}-`));
  const adminPort = await freePort();
  const proxyLog: string[] = [];
  const startProxy = () =>
    startProxyServer({ stateDir: join(stateDir, 'proxy'), adminPort, log: (line) => proxyLog.push(line) });
  let proxy = await startProxy();
  const client = new ProxyClient({ url: proxy.adminUrl, token: proxy.token });
  const deployed = new Set<string>();
  return {
    docker,
    provider,
    client,
    stateDir,
    proxyLog,
    restartProxy: async (meanwhile) => {
      await proxy.close();
      await meanwhile?.();
      proxy = await startProxy();
    },
    deploy: (name, spec, events = []) => {
      deployed.add(name);
      return rollOut(resolveService(planService(name, spec), spec.image), {
        provider,
        router: client,
        state: new ServiceState(stateDir, name),
        clock: systemClock,
        deployId: `${prefix}-${Date.now().toString(36)}`,
        job: 'deploy',
        log: () => undefined,
        emit: (event) => events.push({ ...event, at: Date.now() }),
      });
    },
    close: async () => {
      await proxy.close();
      for (const name of deployed) for (const replica of await provider.list(name)) await provider.remove(replica, 0);
    },
  };
}
