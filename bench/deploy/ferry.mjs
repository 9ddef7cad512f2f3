// The Ferry side, in process like test/integration/deploy.docker.test.ts: the Ferry proxy, the Docker provider
// and rollOut. v1 is deployed, then v1 → v2 (good) and v2 → v3 (healthz missing: rolled back) run under load.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import {
  DockerProvider,
  ProxyClient,
  ServiceState,
  planService,
  resolveService,
  rollOut,
  startProxyServer,
  systemClock,
} from '@ferry/engine';
import { plainImage } from './images.mjs';
import { underLoad } from './load.mjs';
import { docker, freePort, now, onCleanup, recordContainerEvents, tryDocker, watchImageGone } from './util.mjs';

export const ferrySpec = (image, publish) => ({
  image,
  replicas: 4,
  port: 8080,
  publish,
  health: { http: '/healthz', interval: '1s', unhealthy: 2 },
  stopGrace: '2s',
  strategy: { rolling: { maxSurge: 1, maxUnavailable: 0, pause: '1s', monitor: '5s' } },
});

/** Resolves with { good, bad, checks }: good/bad are { settledMs, rollbackMs?, newGoneMs?, load } from underLoad. */
export async function runFerry({ log }) {
  const api = new Docker();
  const provider = new DockerProvider(api);
  const name = `bench-deploy-${process.pid}`;
  const stateDir = mkdtempSync(join(tmpdir(), 'ferry-bench-deploy-'));
  let proxy;
  const cleanup = onCleanup(async () => {
    await proxy?.close();
    for (const replica of await provider.list(name).catch(() => []))
      await provider.remove(replica, 0).catch(() => undefined);
    const leftovers = await docker(['ps', '-aq', '--filter', `label=ferry.service=${name}`]).catch(() => '');
    if (leftovers) await tryDocker(['rm', '-f', ...leftovers.split('\n')], log);
    rmSync(stateDir, { recursive: true, force: true });
  });
  try {
    proxy = await startProxyServer({ stateDir: join(stateDir, 'proxy'), adminPort: 0 });
    const router = new ProxyClient({ url: proxy.adminUrl, token: proxy.token });
    const publish = await freePort();
    const deploy = (version, emit = () => undefined) => {
      const image = plainImage(version);
      const service = resolveService(planService(name, ferrySpec(image, publish)), image);
      const state = new ServiceState(stateDir, name);
      return rollOut(service, {
        provider,
        router,
        state,
        clock: systemClock,
        deployId: `bench-${version}`,
        job: 'deploy',
        log: () => undefined,
        emit,
      });
    };
    const expectStatus = (result, status) => {
      if (result.status !== status)
        throw new Error(`ferry: expected ${status}, got ${result.status}: ${result.message}`);
    };

    log('ferry: deploying v1');
    expectStatus(await deploy('v1'), 'deployed');
    const url = `http://127.0.0.1:${publish}/version`;

    log('ferry: v1 → v2 under load');
    const good = await underLoad(url, async (t0) => {
      expectStatus(await deploy('v2'), 'deployed');
      return { settledMs: now() - t0 };
    });

    log('ferry: v2 → v3 (unhealthy) under load');
    const bad = await underLoad(url, async (t0) => {
      const timeline = [];
      const mark = (what) => timeline.push([what, now() - t0]);
      const gone = watchImageGone(api, `ferry.service=${name}`, plainImage('v3'), t0);
      const events = await recordContainerEvents(api, `ferry.service=${name}`, plainImage('v3'), t0);
      try {
        const result = await deploy('v3', (event) => {
          if (event.type === 'deploy.replica' && event.state === 'failed') mark('replica failed');
          if (event.type === 'deploy.rollback') mark('deploy.rollback');
        });
        mark('rollOut returned');
        expectStatus(result, 'rolled-back');
        const [settledMs, rollbackMs] = ['rollOut returned', 'deploy.rollback'].map(
          (what) => timeline.find(([w]) => w === what)?.[1],
        );
        return {
          settledMs,
          rollbackMs,
          newGoneMs: await gone.stop(),
          timeline: [...timeline, ...(await events.stop())],
        };
      } finally {
        await gone.stop();
        await events.stop();
      }
    });

    const replicas = await provider.list(name);
    const serving = replicas.filter((r) => r.running && r.revision === 2).length;
    const checks =
      serving === 4 && replicas.length === 4
        ? []
        : [`after the rollback: ${serving} running replicas of v2 out of ${replicas.length}`];
    return { good, bad, checks };
  } finally {
    await cleanup();
  }
}
