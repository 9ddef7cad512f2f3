// The Swarm side: a single-node swarm on 127.0.0.1, the service on an attachable overlay network with
// --endpoint-mode dnsrr (the ingress mesh needs IPVS, which this kernel lacks), and the round-robin TCP
// forwarder of ./forwarder in front of it, published on 127.0.0.1. The update is timed by polling UpdateStatus.
import Docker from 'dockerode';
import { forwarderImage, swarmImage } from './images.mjs';
import { underLoad } from './load.mjs';
import {
  docker,
  freePort,
  httpOk,
  now,
  onCleanup,
  recordContainerEvents,
  sleep,
  tryDocker,
  waitFor,
  watchImageGone,
} from './util.mjs';

export const swarmFlags = [
  ...[
    '--update-parallelism',
    '1',
    '--update-delay',
    '1s',
    '--update-order',
    'start-first',
    '--update-failure-action',
    'rollback',
    '--update-monitor',
    '5s',
  ],
  ...[
    '--rollback-parallelism',
    '1',
    '--rollback-delay',
    '1s',
    '--rollback-order',
    'start-first',
    '--rollback-failure-action',
    'pause',
    '--rollback-monitor',
    '5s',
  ],
];

/** Resolves with { good, bad, checks, forwarderErrors }, good/bad as from underLoad. */
export async function runSwarm({ log }) {
  const api = new Docker();
  const name = `ferry-bench-${process.pid}`;
  const network = `${name}-net`;
  const forwarder = `${name}-fwd`;
  const swarmWas = await docker(['info', '--format', '{{.Swarm.LocalNodeState}}']);
  const gwbridgeWas = await docker(['network', 'inspect', 'docker_gwbridge']).then(
    () => true,
    () => false,
  );
  let initialised = false;
  const taskContainers = () => docker(['ps', '-aq', '--filter', `label=com.docker.swarm.service.name=${name}`]);
  const cleanup = onCleanup(async () => {
    await tryDocker(['rm', '-f', forwarder], log);
    if (swarmWas !== 'active' && !initialised) return;
    await tryDocker(['service', 'rm', name], log);
    await waitFor('the service tasks to go', async () => (await taskContainers()) === '', { timeoutMs: 30_000 }).catch(
      (error) => log(`cleanup: ${error.message}`),
    );
    const left = await taskContainers().catch(() => '');
    if (left) await tryDocker(['rm', '-f', ...left.split('\n')], log);
    await waitFor(
      `network ${network} to go`,
      () =>
        docker(['network', 'rm', network]).then(
          () => true,
          (error) => /No such|not found/.test(error.message),
        ),
      { timeoutMs: 15_000 },
    ).catch((error) => log(`cleanup: ${error.message}`));
    if (initialised) {
      await tryDocker(['swarm', 'leave', '--force'], log);
      if (!gwbridgeWas) await tryDocker(['network', 'rm', 'docker_gwbridge'], log);
    }
  });

  try {
    if (swarmWas === 'inactive') {
      log('swarm: docker swarm init');
      await docker(['swarm', 'init', '--advertise-addr', '127.0.0.1']);
      initialised = true;
    } else if (swarmWas !== 'active') throw new Error(`swarm is ${swarmWas}; expected inactive or active`);
    await docker(['network', 'create', '--driver', 'overlay', '--attachable', network]);
    log('swarm: creating the service at v1');
    await docker([
      'service',
      'create',
      '--detach',
      '--no-resolve-image',
      '--name',
      name,
      '--replicas',
      '4',
      '--network',
      network,
      '--endpoint-mode',
      'dnsrr',
      '--init',
      '--stop-grace-period',
      '2s',
      ...swarmFlags,
      swarmImage('v1'),
    ]);
    const service = api.getService(name);
    await waitFor(
      '4 running tasks of v1',
      async () => (await runningTasks(api, name)).filter((t) => t.image === swarmImage('v1')).length === 4,
    );

    const publish = await freePort();
    await docker([
      'run',
      '-d',
      '--init',
      '--name',
      forwarder,
      '--network',
      network,
      '-p',
      `127.0.0.1:${publish}:8080`,
      '-e',
      `TARGET=tasks.${name}`,
      forwarderImage,
    ]);
    const url = `http://127.0.0.1:${publish}/version`;
    await waitFor('the forwarder to answer', () => httpOk(url));
    await sleep(1000);
    const forwarderErrors = async () =>
      (await docker(['logs', forwarder])).split('\n').filter((line) => line.startsWith('upstream-error')).length;
    const errorsBefore = await forwarderErrors();

    /** Polls UpdateStatus every 100 ms until a new update reaches `want`; times are ms since t0. */
    const untilStatus = async (t0, before, want) => {
      const timeline = [];
      for (;;) {
        const status = (await service.inspect()).UpdateStatus;
        if (status && status.StartedAt !== before) {
          if (timeline.at(-1)?.[0] !== status.State) timeline.push([status.State, now() - t0]);
          const rollbackMs = timeline.find(([state]) => state === 'rollback_started')?.[1];
          if (status.State === want) return { settledMs: now() - t0, rollbackMs, timeline };
          if (/paused|completed/.test(status.State))
            throw new Error(`swarm: update ended ${status.State}, expected ${want}: ${status.Message}`);
        }
        if (now() - t0 > 180_000) throw new Error(`swarm: no ${want} within 180 s (last: ${status?.State})`);
        await sleep(100);
      }
    };
    const update = async (image, t0, want) => {
      const before = (await service.inspect()).UpdateStatus?.StartedAt;
      const label = `com.docker.swarm.service.name=${name}`;
      const gone = watchImageGone(api, label, image, t0);
      const events = await recordContainerEvents(api, label, image, t0);
      try {
        await docker(['service', 'update', '--detach', '--no-resolve-image', '--image', image, ...swarmFlags, name]);
        const figures = await untilStatus(t0, before, want);
        return { ...figures, newGoneMs: await gone.stop(), timeline: [...figures.timeline, ...(await events.stop())] };
      } finally {
        await gone.stop();
        await events.stop();
      }
    };

    log('swarm: v1 → v2 under load');
    const good = await underLoad(url, (t0) => update(swarmImage('v2'), t0, 'completed'));
    const errorsGood = await forwarderErrors();
    log('swarm: v2 → v3 (unhealthy) under load');
    const bad = await underLoad(url, (t0) => update(swarmImage('v3'), t0, 'rollback_completed'));
    const errorsBad = await forwarderErrors();

    const tasks = await runningTasks(api, name);
    const serving = tasks.filter((t) => t.image === swarmImage('v2')).length;
    const checks =
      serving === 4 && tasks.length === 4
        ? []
        : [
            `after the rollback: ${serving} running tasks of v2 out of ${tasks.length}: ${tasks.map((t) => t.image).join(', ')}`,
          ];
    return { good, bad, checks, forwarderErrors: { good: errorsGood - errorsBefore, bad: errorsBad - errorsGood } };
  } finally {
    await cleanup();
  }
}

/** Tasks that should run and do, with their image. */
async function runningTasks(api, name) {
  const tasks = await api.listTasks({ filters: { service: [name], 'desired-state': ['running'] } });
  return tasks
    .filter((t) => t.Status.State === 'running')
    .map((t) => ({ id: t.ID, image: t.Spec.ContainerSpec.Image }));
}
