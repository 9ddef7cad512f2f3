import { hostname } from 'node:os';
import Docker from 'dockerode';
import { execa } from 'execa';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isFerryError } from '../../packages/engine/src/errors.js';
import { DockerExecutor } from '../../packages/engine/src/exec/docker/docker-executor.js';
import { reapResources } from '../../packages/engine/src/exec/docker/reap-resources.js';
import type { ExecStep } from '../../packages/engine/src/exec/executor.js';
import type { JobRun } from '../../packages/engine/src/plan/plan-types.js';
import { capture, describeExecutorContract, uniqueRunId } from '../contracts/executor.contract.js';
import { buildJobRun } from '../helpers/build-job-run.js';
import { createTempGitRepo, type TempGitRepo } from '../helpers/temp-git-repo.js';

const docker = new Docker();
const IMAGE = 'ferry/busybox:1';
const MISSING_IMAGE = 'ferry/not-built-anywhere:404';

let repo: TempGitRepo;
beforeAll(async () => {
  repo = await createTempGitRepo({
    '.gitignore': '*.log\nbuild/\n',
    'README.md': '# fixture\n',
    'bin/run.sh': { content: '#!/bin/sh\necho run\n', mode: 0o755 },
    'src/app.js': 'console.log("app")\n',
    'src/ünï cödé.txt': 'unicode name\n',
    'link.md': { symlink: 'README.md' },
    'gone.txt': 'deleted after the commit\n',
  });
  await repo.write({ 'notes.txt': 'untracked, not ignored\n', 'debug.log': 'ignored\n', 'build/out.js': 'ignored\n' });
  await repo.remove('gone.txt');
});
afterAll(async () => {
  await repo?.cleanup();
});

async function containersOf(runId: string): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: [`ferry.run=${runId}`] } });
}

describeExecutorContract(
  'DockerExecutor',
  () => ({
    executor: new DockerExecutor({ docker, labels: { 'ferry.test': 'executor-contract' } }),
    image: IMAGE,
    bashImage: 'ferry/bash:1',
    missingImage: MISSING_IMAGE,
    workspace: repo.dir,
    cleanup: async (runId) => {
      await reapResources(docker, { runId });
    },
  }),
  { abortWithinMs: 3000, abortAfterMs: 500 },
);

describe('DockerExecutor', () => {
  const executor = new DockerExecutor({ docker, labels: { 'ferry.test': 'docker-executor' } });
  const started: Array<{ job: JobRun; runId: string }> = [];
  afterEach(async () => {
    for (const { job, runId } of started.splice(0)) {
      await executor.teardown(job);
      await reapResources(docker, { runId });
    }
  });

  async function prepare(overrides: Partial<JobRun> = {}, workspace = repo.dir) {
    const runId = uniqueRunId('dx');
    const job = buildJobRun({ image: IMAGE, ...overrides });
    started.push({ job, runId });
    const prepareIo = capture();
    await executor.prepare(job, { runId, workspace, env: { CI: 'true' } }, prepareIo.io);
    let index = 0;
    const run = async (script: string, io = capture().io) => {
      const step: ExecStep = { index: index++, name: `step ${index}`, run: script, env: {} };
      return executor.runStep(job, step, io);
    };
    const output = async (script: string) => {
      const out = capture();
      const result = await run(script, out.io);
      expect(result.exitCode, out.of('stderr').join('\n')).toBe(0);
      return out.of('stdout');
    };
    return { runId, job, run, output, prepareLines: prepareIo.of('stdout') };
  }

  it('copies tracked and untracked-not-ignored files, keeping modes and symlinks, and reports the count', async () => {
    const { output, prepareLines } = await prepare();
    expect(await output('find . -type f -o -type l | sort')).toEqual([
      './.gitignore',
      './README.md',
      './bin/run.sh',
      './link.md',
      './notes.txt',
      './src/app.js',
      './src/ünï cödé.txt',
    ]);
    expect(await output('stat -c %a bin/run.sh; readlink link.md; ./bin/run.sh; cat notes.txt')).toEqual([
      '755',
      'README.md',
      'run',
      'untracked, not ignored',
    ]);
    expect(prepareLines).toContainEqual(expect.stringMatching(/^copied 7 files \(\d+ B\) from .+ to \/workspace$/));
  });

  it('gives the workspace to the job user', async () => {
    const { output } = await prepare({ user: '1000:1000', workdir: '/home/ferry/src' });
    expect(await output('id -u; pwd; stat -c %u README.md; touch new-file && echo writable')).toEqual([
      '1000',
      '/home/ferry/src',
      '1000',
      'writable',
    ]);
  });

  it("gives the workspace to the image's user when the job names none", async () => {
    const tag = `ferry-test/busybox-user:${uniqueRunId('img')}`;
    const base = await docker.createContainer({
      Image: IMAGE,
      Cmd: ['true'],
      Labels: { 'ferry.test': 'docker-executor' },
    });
    try {
      const [repository = '', version = ''] = tag.split(':');
      await base.commit({ repo: repository, tag: version, changes: ['USER ferry'] });
    } finally {
      await base.remove({ force: true });
    }
    try {
      const { output, job, runId } = await prepare({ image: tag });
      expect(await output('id -un; stat -c %U:%G README.md .; touch new-file && echo writable')).toEqual([
        'ferry',
        'ferry:ferry',
        'ferry:ferry',
        'writable',
      ]);
      await executor.teardown(job);
      await reapResources(docker, { runId });
    } finally {
      await docker.getImage(tag).remove({ force: true });
    }
  });

  it('labels the container and runs it with no-new-privileges, limits and no binds', async () => {
    const { runId, output } = await prepare({
      id: 'test (node=20)',
      jobId: 'test',
      resources: { memoryBytes: 128 * 1024 * 1024, pids: 100, cpus: 0.5 },
    });
    const [info] = await containersOf(runId);
    expect(info).toBeDefined();
    const inspect = await docker.getContainer(info?.Id ?? '').inspect();
    expect(inspect.Name).toMatch(new RegExp(`^/ferry-${runId}-test-node-20-[0-9a-f]{8}-[0-9a-f]{4}$`));
    expect(inspect.Config.Labels).toMatchObject({
      'ferry.run': runId,
      'ferry.job': 'test',
      'ferry.jobrun': 'test (node=20)',
      'ferry.owner': `${hostname()}:${process.pid}`,
      'ferry.test': 'docker-executor',
    });
    expect(Number(inspect.Config.Labels['ferry.created'])).toBeGreaterThan(Date.now() - 60_000);
    expect(inspect.HostConfig.SecurityOpt).toContain('no-new-privileges');
    expect(inspect.HostConfig.Privileged).toBe(false);
    expect(inspect.HostConfig.Binds ?? []).toEqual([]);
    expect(inspect.Mounts).toEqual([]);
    expect(inspect.HostConfig).toMatchObject({ Memory: 128 * 1024 * 1024, PidsLimit: 100, NanoCpus: 500_000_000 });
    expect(inspect.Config.WorkingDir).toBe('/workspace');
    expect(
      await output('grep NoNewPrivs /proc/self/status; ls /var/run/docker.sock 2>/dev/null || echo no-socket'),
    ).toEqual(['NoNewPrivs:\t1', 'no-socket']);
  });

  it('fails with EXEC_IMAGE_MISSING naming the image, and leaves no container', async () => {
    for (const pull of ['if-not-present', 'never', 'always'] as const) {
      const runId = uniqueRunId('missing');
      const job = buildJobRun({ image: MISSING_IMAGE, pull });
      const error = await executor
        .prepare(job, { runId, workspace: repo.dir, env: {} }, capture().io)
        .catch((caught: unknown) => caught);
      expect(isFerryError(error) && error.code, `pull: ${pull}`).toBe('EXEC_IMAGE_MISSING');
      expect((error as Error).message).toContain(`image "${MISSING_IMAGE}" is not present and could not be pulled: `);
      expect(await containersOf(runId)).toEqual([]);
      await executor.teardown(job);
    }
  });

  it('fails a pull: always job when the pull fails, even with a local copy', async () => {
    const runId = uniqueRunId('always');
    const job = buildJobRun({ image: IMAGE, pull: 'always' });
    const error = await executor
      .prepare(job, { runId, workspace: repo.dir, env: {} }, capture().io)
      .catch((caught: unknown) => caught);
    expect(isFerryError(error) && error.code).toBe('EXEC_IMAGE_MISSING');
    expect((error as Error).message).toMatch(
      /^image "ferry\/busybox:1" could not be pulled \(pull policy "always"\): .+; a local copy exists, set pull: if-not-present/,
    );
    expect(await containersOf(runId)).toEqual([]);
  });

  it('refuses a privileged job unless allowed, creating nothing', async () => {
    const runId = uniqueRunId('priv');
    const job = buildJobRun({ image: IMAGE, privileged: true });
    await expect(executor.prepare(job, { runId, workspace: repo.dir, env: {} }, capture().io)).rejects.toMatchObject({
      code: 'EXEC_CONTAINER',
    });
    expect(await containersOf(runId)).toEqual([]);
  });

  it('fails with EXEC_WORKSPACE for a missing workspace and removes the container', async () => {
    const runId = uniqueRunId('ws');
    const job = buildJobRun({ image: IMAGE });
    await expect(
      executor.prepare(job, { runId, workspace: '/nonexistent/ferry-ws', env: {} }, capture().io),
    ).rejects.toMatchObject({
      code: 'EXEC_WORKSPACE',
    });
    expect(await containersOf(runId)).toEqual([]);
  });

  it('fails with EXEC_DOCKER_UNAVAILABLE when Docker cannot be reached', async () => {
    const nowhere = new Docker({ socketPath: '/nonexistent/docker.sock' });
    const offline = new DockerExecutor({ docker: nowhere });
    const job = buildJobRun({ image: IMAGE });
    await expect(
      offline.prepare(job, { runId: uniqueRunId('offline'), workspace: repo.dir, env: {} }, capture().io),
    ).rejects.toMatchObject({
      code: 'EXEC_DOCKER_UNAVAILABLE',
      message: expect.stringContaining('/nonexistent/docker.sock'),
    });
    await offline.teardown(job);
    await expect(reapResources(nowhere, {})).rejects.toMatchObject({ code: 'EXEC_DOCKER_UNAVAILABLE' });
  });

  it('leaves no process of an aborted step, including background and setsid ones', async () => {
    const { run, output } = await prepare();
    const out = capture();
    const pending = run('sleep 301 & sleep 302 & setsid sleep 303 & echo started; sleep 304', out.io);
    while (!out.of('stdout').includes('started')) await new Promise((resolve) => setTimeout(resolve, 20));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await output('ps -o args | grep -c "^sleep 30[1-4]$" || true')).toEqual(['4']);
    const abortedAt = Date.now();
    out.controller.abort();
    const result = await pending;
    expect(result).toMatchObject({ aborted: true, exitCode: 137 });
    expect(Date.now() - abortedAt).toBeLessThan(3000);
    const processes = await output('ps -o stat,args');
    expect(processes.filter((line) => /sleep 30[1-4]/.test(line))).toEqual([]);
    expect(processes.filter((line) => /^Z/.test(line))).toEqual([]);
  });

  it('streams a lot of output completely and in order', async () => {
    const { run } = await prepare();
    const out = capture();
    const result = await run('i=0; while [ $i -lt 5000 ]; do echo "line $i ✓"; i=$((i+1)); done', out.io);
    expect(result.exitCode).toBe(0);
    const lines = out.of('stdout');
    expect(lines).toHaveLength(5000);
    expect(lines.every((line, i) => line === `line ${i} ✓`)).toBe(true);
  });

  it('reports $FERRY_OUTPUT lines it cannot read on stderr', async () => {
    const { run } = await prepare();
    const out = capture();
    const result = await run('echo "not an output" >> $FERRY_OUTPUT; echo ok=yes >> $FERRY_OUTPUT', out.io);
    expect(result.outputs).toEqual({ ok: 'yes' });
    expect(out.of('stderr')).toEqual(['ferry: $FERRY_OUTPUT line 1: expected name=value or name<<DELIMITER']);
  });

  it('leaves zero containers of the run after teardown', async () => {
    const { runId, job } = await prepare();
    expect(await containersOf(runId)).toHaveLength(1);
    await executor.teardown(job);
    expect(await containersOf(runId)).toEqual([]);
    await executor.teardown(job);
  });

  it('rejects an aborted prepare with the abort reason and removes what it created', async () => {
    for (const delayMs of [0, 60, 150]) {
      const runId = uniqueRunId('abort-prepare');
      const job = buildJobRun({ image: IMAGE });
      const io = capture();
      const reason = new Error(`cancelled after ${delayMs} ms`);
      const preparing = executor.prepare(job, { runId, workspace: repo.dir, env: {} }, io.io);
      setTimeout(() => io.controller.abort(reason), delayMs);
      const outcome = await preparing.then(
        () => 'prepared',
        (error: unknown) => error,
      );
      // A prepare that finished before the abort is fine too; then teardown removes the container.
      if (outcome !== 'prepared') expect(outcome).toBe(reason);
      await executor.teardown(job);
      expect(await containersOf(runId)).toEqual([]);
    }
  });

  it('removes the container when teardown races a prepare', async () => {
    const runId = uniqueRunId('race');
    const job = buildJobRun({ image: IMAGE });
    const preparing = executor
      .prepare(job, { runId, workspace: repo.dir, env: {} }, capture().io)
      .catch((caught: unknown) => caught);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await executor.teardown(job);
    await preparing;
    await executor.teardown(job);
    expect(await containersOf(runId)).toEqual([]);
  });

  it('measures the overhead of runStep for `true`', async () => {
    const { run } = await prepare();
    await run('true');
    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      const before = performance.now();
      const result = await run('true');
      times.push(performance.now() - before);
      expect(result.exitCode).toBe(0);
    }
    const mean = times.reduce((sum, t) => sum + t, 0) / times.length;
    const sorted = [...times].sort((a, b) => a - b);
    console.log(
      `runStep('true') overhead over 20 runs: mean ${mean.toFixed(1)} ms, median ${sorted[10]?.toFixed(1)} ms, min ${sorted[0]?.toFixed(1)} ms, max ${sorted[19]?.toFixed(1)} ms`,
    );
    expect(mean).toBeLessThan(1000);
  });
});

describe('reapResources', () => {
  const runId = uniqueRunId('reap');
  afterAll(async () => {
    await reapResources(docker, { runId });
  });

  async function deadPid(): Promise<number> {
    const child = execa('true');
    await child;
    const pid = child.pid;
    if (pid === undefined) throw new Error('no pid');
    return pid;
  }

  async function createLabelled(owner: string, suffix: string) {
    const Labels = { 'ferry.run': runId, 'ferry.owner': owner };
    await docker.createContainer({ Image: IMAGE, Cmd: ['true'], name: `ferry-${runId}-${suffix}`, Labels });
    await docker.createNetwork({ Name: `ferry-${runId}-${suffix}`, Labels });
    await docker.createVolume({ Name: `ferry-${runId}-${suffix}`, Labels });
  }

  it('removes resources of a dead owner on this host, keeps live and foreign ones, then removes a run', async () => {
    // "This host" is a name of the test's own, so that a `ferry run` or `ferry gc` of another test file running
    // at the same time (which reap every orphan of the real host) leaves these resources to this test.
    const host = { hostname: `reap-test-${runId}`, isProcessAlive: (pid: number) => pid === process.pid };
    await createLabelled(`${host.hostname}:${await deadPid()}`, 'orphan');
    await createLabelled(`${host.hostname}:${process.pid}`, 'live');
    await createLabelled('another-host:1', 'foreign');

    expect(await reapResources(docker, { runId, orphanedOnly: true }, host)).toEqual({
      containers: 1,
      networks: 1,
      volumes: 1,
    });
    const left = await containersOf(runId);
    expect(left.flatMap((c) => c.Names).sort()).toEqual([`/ferry-${runId}-foreign`, `/ferry-${runId}-live`]);

    expect(await reapResources(docker, { runId, orphanedOnly: true }, host)).toEqual({
      containers: 0,
      networks: 0,
      volumes: 0,
    });
    expect(await reapResources(docker, { runId })).toEqual({ containers: 2, networks: 2, volumes: 2 });
    expect(await containersOf(runId)).toEqual([]);
  });
});
