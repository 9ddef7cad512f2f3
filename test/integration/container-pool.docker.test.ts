import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import Docker from 'dockerode';
import { afterAll, describe, expect, it } from 'vitest';
import { ContainerPool } from '../../packages/engine/src/exec/docker/container-pool.js';
import { DockerExecutor } from '../../packages/engine/src/exec/docker/docker-executor.js';
import { formatOwner } from '../../packages/engine/src/exec/docker/labels.js';
import { poolSlot } from '../../packages/engine/src/exec/docker/pool-slot.js';
import { reapResources } from '../../packages/engine/src/exec/docker/reap-resources.js';
import type { RunEvent } from '../../packages/engine/src/run/events.js';
import { capture, describeExecutorContract } from '../contracts/executor.contract.js';
import { buildJobRun } from '../helpers/build-job-run.js';
import { ferryContainers, runYaml, tempWorkspace, uniqueRunId } from '../helpers/run-yaml.js';

const docker = new Docker();
const IMAGE = 'ferry/busybox:1';
const owner = formatOwner(hostname(), process.pid);
const pool = new ContainerPool({ docker, size: 2, labels: { 'ferry.test': 'container-pool' } });
const executor = new DockerExecutor({ docker, pool, labels: { 'ferry.test': 'container-pool' } });
const slot = poolSlot(buildJobRun({ image: IMAGE }), undefined);
if (!slot) throw new Error('a plain busybox job must be poolable');
const runIds: string[] = [];
const newRunId = () => {
  const id = uniqueRunId('cp');
  runIds.push(id);
  return id;
};
const logs = (events: RunEvent[], job: string) =>
  events.flatMap((e) => (e.type === 'step.log' && e.job === job ? [e.line] : []));

/** The pool's started containers of IMAGE no job has taken, by id. */
async function idleIds(): Promise<string[]> {
  await pool.settled();
  return docker
    .listContainers({ all: true, filters: { label: [`ferry.owner=${owner}`, `ferry.pool=${IMAGE}`] } })
    .then((list) => list.map((c) => c.Id));
}

afterAll(async () => {
  await pool.close();
  for (const id of runIds) {
    expect(await ferryContainers(docker, id)).toEqual([]);
    expect(await docker.listNetworks({ filters: { label: [`ferry.run=${id}`] } })).toEqual([]);
  }
  // Closed: nothing the pool made is left.
  const label = { label: [`ferry.owner=${owner}`, 'ferry.pool'] };
  expect(await docker.listContainers({ all: true, filters: label })).toEqual([]);
  expect(await docker.listNetworks({ filters: label })).toEqual([]);
});

describeExecutorContract(
  'DockerExecutor with a ContainerPool',
  async () => {
    await pool.warm(slot);
    return {
      executor,
      image: IMAGE,
      bashImage: 'ferry/bash:1',
      missingImage: 'ferry/not-built-anywhere:404',
      workspace: tempWorkspace({ 'README.md': '# fixture\n' }),
      cleanup: async (runId) => {
        await reapResources(docker, { runId });
        await pool.settled();
      },
    };
  },
  { abortWithinMs: 3000, abortAfterMs: 500 },
);

describe('ContainerPool on the Docker engine', () => {
  it('runs a job in a pooled container with its env, workspace and service; removes it after and refills', async () => {
    await pool.warm(slot);
    const idle = await idleIds();
    expect(idle).toHaveLength(2);
    const { result, events } = await runYaml(
      `
env: { FROM_PIPELINE: pipeline-value }
jobs:
  client:
    image: ${IMAGE}
    env: { GREETING: hello from the job }
    services:
      web:
        image: ${IMAGE}
        command: mkdir -p /www && echo pong > /www/ping && exec httpd -f -p 8080 -h /www
        health: { tcp: 8080 }
    steps:
      - run: echo "$GREETING / $FROM_PIPELINE"; cat notes.txt; hostname
      - run: wget -q -O - http://web:8080/ping
`,
      executor,
      { runId: newRunId(), workspace: tempWorkspace({ 'notes.txt': 'from the workspace\n' }) },
    );
    expect(result.status, JSON.stringify(result.jobs)).toBe('success');
    const [greeting, notes, host, pong] = logs(events, 'client');
    expect([greeting, notes, pong]).toEqual(['hello from the job / pipeline-value', 'from the workspace', 'pong']);
    const taken = idle.find((id) => id.startsWith(host ?? '-'));
    expect(taken, `hostname ${host} is one of the pooled containers`).toBeDefined();

    // Removed after the job (in the pool's background), and the pool is back to its size without it.
    const now = await idleIds();
    expect(now).toHaveLength(2);
    expect(now).not.toContain(taken);
    await expect(docker.getContainer(taken as string).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('gives a sibling job the pooled container under the alias an unpooled one would have', async () => {
    await pool.warm(slot);
    const runId = newRunId();
    await executor.openRun(runId);
    const server = buildJobRun({ id: 'server', jobId: 'server', image: IMAGE });
    const client = buildJobRun({ id: 'client', jobId: 'client', image: IMAGE });
    try {
      const idle = await idleIds();
      const env = { SECRET_LIKE: 'only-at-exec-time' };
      await executor.prepare(server, { runId, workspace: tempWorkspace({ ping: 'pong\n' }), env }, capture().io);
      await executor.prepare(client, { runId, env: {} }, capture().io);
      const out = capture();
      const step = (script: string, extra = {}) => ({ index: 0, name: 'step', run: script, env: extra });
      expect((await executor.runStep(server, step('hostname; httpd -p 8080 -h /workspace'), out.io)).exitCode).toBe(0);
      const id = idle.find((c) => c.startsWith(out.of('stdout')[0] ?? '-'));
      expect(id).toBeDefined();
      const info = await docker.getContainer(id as string).inspect();
      // The job's env reaches its steps, never the container's config.
      expect(info.Config.Env ?? []).not.toContain('SECRET_LIKE=only-at-exec-time');
      const aliases = Object.entries(info.NetworkSettings.Networks).flatMap(([name, network]) =>
        name.startsWith('ferry-pool-idle-') ? [] : (network.Aliases ?? []),
      );
      const alias = aliases.find((a) => a.includes('-server-'));
      expect(alias, JSON.stringify(aliases)).toBeDefined();
      const fetched = capture();
      const result = await executor.runStep(
        client,
        step(`for i in 1 2 3 4 5; do wget -q -O - http://${alias}:8080/ping && exit 0; sleep 0.2; done; exit 1`),
        fetched.io,
      );
      expect(result.exitCode, fetched.of('stderr').join('\n')).toBe(0);
      expect(fetched.of('stdout')).toEqual(['pong']);
      const echoed = capture();
      await executor.runStep(server, step('echo "$SECRET_LIKE"'), echoed.io);
      expect(echoed.of('stdout')).toEqual(['only-at-exec-time']);
    } finally {
      await executor.teardown(server);
      await executor.teardown(client);
      await executor.closeRun(runId);
      await pool.settled();
    }
  });

  it('defers the removal of a used container while its run is open: until the run closes, or at most deferMs', async () => {
    const exists = (id: string) =>
      docker
        .getContainer(id)
        .inspect()
        .then(
          () => true,
          (error: Error & { statusCode?: number }) => {
            if (error.statusCode === 404) return false;
            throw error;
          },
        );
    const usedContainer = async (ex: DockerExecutor, runId: string, id: string) => {
      const job = buildJobRun({ id, jobId: id, image: IMAGE });
      await ex.prepare(job, { runId, env: {} }, capture().io);
      const out = capture();
      await ex.runStep(job, { index: 0, name: 'step', run: 'hostname', env: {} }, out.io);
      await ex.teardown(job);
      const host = out.of('stdout')[0] ?? '-';
      const [info] = await docker
        .listContainers({ all: true, filters: { label: [`ferry.owner=${owner}`] } })
        .then((list) => list.filter((c) => c.Id.startsWith(host)));
      expect(info, `the job ran in a pooled container (${host})`).toBeDefined();
      return (info as { Id: string }).Id;
    };

    // Until the run closes.
    await pool.warm(slot);
    const runId = newRunId();
    await executor.openRun(runId);
    const used = await usedContainer(executor, runId, 'deferred');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await exists(used), 'kept while the run is open').toBe(true);
    await executor.closeRun(runId);
    await pool.settled();
    expect(await exists(used), 'removed once the run closed').toBe(false);

    // At most deferMs, even with the run still open.
    const short = new ContainerPool({ docker, size: 1, deferMs: 300, labels: { 'ferry.test': 'container-pool' } });
    const shortExecutor = new DockerExecutor({ docker, pool: short, labels: { 'ferry.test': 'container-pool' } });
    const openRunId = newRunId();
    try {
      await short.warm(slot);
      await shortExecutor.openRun(openRunId);
      const usedToo = await usedContainer(shortExecutor, openRunId, 'bounded');
      let removed = false;
      for (let i = 0; i < 50 && !removed; i++) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        removed = !(await exists(usedToo));
      }
      expect(removed, 'removed within 10 s though the run is still open').toBe(true);
      // And refilled, though the run is still open: a runner that is never idle keeps its pool.
      let refilled = false;
      for (let i = 0; i < 50 && !refilled; i++) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        refilled = (short.idle()[slot.key] ?? 0) === 1;
      }
      expect(refilled, 'refilled within 10 s though the run is still open').toBe(true);
    } finally {
      await shortExecutor.closeRun(openRunId);
      await short.close();
    }
  });

  it('goes unpooled for a job whose container a generic one cannot be', async () => {
    expect(poolSlot(buildJobRun({ user: 'nobody' }), undefined)).toBeUndefined();
    await pool.warm(slot);
    const runId = newRunId();
    const job = buildJobRun({ id: 'as-nobody', image: IMAGE, user: 'nobody' });
    try {
      await executor.prepare(job, { runId, env: {} }, capture().io);
      const listed = await ferryContainers(docker, runId);
      expect(listed.map((c) => c.Labels['ferry.jobrun'])).toEqual(['as-nobody']);
    } finally {
      await executor.teardown(job);
      await executor.closeRun(runId);
    }
  });

  it('leaves its containers and networks to the reaper once its process is killed', async () => {
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import Docker from 'dockerode';
import { ContainerPool } from '@ferry/engine';
const pool = new ContainerPool({ docker: new Docker(), size: 2 });
await pool.warm({ key: 'k', image: '${IMAGE}', workdir: '/workspace', resources: {} });
await pool.settled();
console.log('ready');
setInterval(() => undefined, 60_000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = new Promise((resolve) => child.on('exit', resolve));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
      child.on('exit', (code) => reject(new Error(`the pool's process exited (${code}) before it was ready`)));
    });
    const label = { label: [`ferry.owner=${formatOwner(hostname(), child.pid as number)}`, 'ferry.pool'] };
    expect(await docker.listContainers({ all: true, filters: label })).toHaveLength(2);
    // The idle network and two run networks.
    expect(await docker.listNetworks({ filters: label })).toHaveLength(3);

    child.kill('SIGKILL');
    await exited;
    const reaped = await reapResources(docker, { orphanedOnly: true });
    expect(reaped.containers).toBeGreaterThanOrEqual(2);
    expect(await docker.listContainers({ all: true, filters: label })).toEqual([]);
    expect(await docker.listNetworks({ filters: label })).toEqual([]);
  });
});
