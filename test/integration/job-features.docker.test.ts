import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, describe, expect, it } from 'vitest';
import { DockerExecutor } from '../../packages/engine/src/exec/docker/docker-executor.js';
import type { RunEvent } from '../../packages/engine/src/run/events.js';
import { CacheStore } from '../../packages/engine/src/store/cache-store.js';
import { ferryContainers, runYaml, tempWorkspace, uniqueRunId } from '../helpers/run-yaml.js';

const docker = new Docker();
const executor = new DockerExecutor({ docker });
const runIds: string[] = [];
const newRunId = () => {
  const id = uniqueRunId('feat');
  runIds.push(id);
  return id;
};
const logs = (events: RunEvent[], job: string) =>
  events.flatMap((e) => ((e.type === 'step.log' || e.type === 'job.log') && e.job === job ? [e.line] : []));

afterAll(async () => {
  for (const id of runIds) {
    expect(await ferryContainers(docker, id)).toEqual([]);
    expect(await docker.listNetworks({ filters: { label: [`ferry.run=${id}`] } })).toEqual([]);
  }
});

describe('jobs on the Docker engine', () => {
  it('reaches a sidecar service by its name once it is healthy', async () => {
    const { result, events } = await runYaml(
      `
jobs:
  client:
    image: ferry/busybox:1
    services:
      web:
        image: ferry/busybox:1
        command: mkdir -p /www && echo pong > /www/ping && exec httpd -f -p 8080 -h /www
        health: { tcp: 8080 }
    steps:
      - run: wget -q -O - http://web:8080/ping
`,
      executor,
      { runId: newRunId() },
    );
    expect(result.status, JSON.stringify(result.jobs)).toBe('success');
    expect(logs(events, 'client')).toEqual(
      expect.arrayContaining(['pong', expect.stringMatching(/^service web is ready/)]),
    );
  });

  it("fails with the sidecar's last log lines when it never becomes healthy", async () => {
    const { result } = await runYaml(
      `
jobs:
  client:
    image: ferry/busybox:1
    services:
      db:
        image: ferry/busybox:1
        command: 'echo "db: cannot open data dir" >&2; exit 3'
        health: { cmd: "false" }
    steps:
      - run: echo never
`,
      executor,
      { runId: newRunId() },
    );
    expect(result.jobs[0]?.status).toBe('failed');
    expect(result.jobs[0]?.reason).toMatch(
      /service "db" \(image ferry\/busybox:1\) exited with code 3; its last log lines:\n\s+db: cannot open data dir/,
    );
  });

  it('passes an artifact from one job to the job that needs it', async () => {
    const runId = newRunId();
    const artifactsDir = mkdtempSync(join(tmpdir(), 'ferry-artifacts-'));
    const { result, events } = await runYaml(
      `
jobs:
  build:
    image: ferry/busybox:1
    artifacts: [dist/, "report-*.txt"]
    steps:
      - run: mkdir -p dist/sub && echo built > dist/sub/app.txt && echo r1 > report-1.txt && echo tmp > scratch.txt
  use:
    needs: build
    image: ferry/busybox:1
    steps:
      - run: cat dist/sub/app.txt report-1.txt && test ! -e scratch.txt
`,
      executor,
      { runId, deps: { artifactsDir } },
    );
    expect(result.status, JSON.stringify(result.jobs)).toBe('success');
    expect(logs(events, 'build')).toContain('artifacts: saved dist, report-1.txt (9 B)');
    expect(logs(events, 'use')).toEqual(expect.arrayContaining(['artifacts: restored those of build', 'built', 'r1']));
  });

  it('keeps the artifacts of matrix cells apart by name and restores them as download-artifact does', async () => {
    const runId = newRunId();
    const artifactsDir = mkdtempSync(join(tmpdir(), 'ferry-artifacts-'));
    const { result, events } = await runYaml(
      `
jobs:
  build:
    image: ferry/busybox:1
    matrix: { n: [1, 2] }
    artifacts: { name: "dist-\${{ matrix.n }}", paths: [out/] }
    steps:
      - run: mkdir -p out/sub && echo "cell \${{ matrix.n }}" > out/app.txt && echo "n\${{ matrix.n }}" > out/sub/only-\${{ matrix.n }}.txt
  test:
    needs: build
    image: ferry/busybox:1
    steps:
      - run: cat dist-1/app.txt dist-2/app.txt && test ! -e out
  ship:
    needs: test
    image: ferry/busybox:1
    download:
      - { name: dist-2, path: one }
      - { pattern: "dist-*", path: all, merge: true }
    steps:
      - run: cat one/app.txt && ls all/sub && test ! -e dist-1
`,
      executor,
      { runId, deps: { artifactsDir } },
    );
    expect(result.status, JSON.stringify(result.jobs)).toBe('success');
    expect(logs(events, 'build (n=1)')).toEqual(
      expect.arrayContaining([expect.stringMatching(/^artifacts: saved "dist-1": out /)]),
    );
    expect(logs(events, 'test')).toEqual(
      expect.arrayContaining(['artifacts: restored "dist-1" of build (n=1) into dist-1/', 'cell 1', 'cell 2']),
    );
    expect(logs(events, 'ship')).toEqual(
      expect.arrayContaining([
        'artifacts: restored "dist-2" of build (n=2) into one/',
        'cell 2',
        'only-1.txt',
        'only-2.txt',
      ]),
    );
  });

  it('restores a cache on the second run and skips the slow install', async () => {
    const cache = new CacheStore(mkdtempSync(join(tmpdir(), 'ferry-cache-')), 1024 ** 3);
    const workspace = tempWorkspace({ 'deps.lock': 'left-pad@1.0.0\n' });
    const pipeline = `
jobs:
  install:
    image: ferry/busybox:1
    cache:
      key: deps-\${{ hashFiles('deps.lock') }}
      paths: [vendor]
    steps:
      - run: if [ -d vendor ]; then echo reused; else sleep 3; mkdir vendor; echo lib > vendor/left-pad.js; echo installed; fi
`;
    const first = await runYaml(pipeline, executor, { runId: newRunId(), workspace, deps: { cache } });
    const second = await runYaml(pipeline, executor, { runId: newRunId(), workspace, deps: { cache } });
    expect(first.result.status).toBe('success');
    expect(logs(first.events, 'install')).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^cache: miss deps-[0-9a-f]{64}$/),
        'installed',
        expect.stringMatching(/^cache: saved deps-/),
      ]),
    );
    expect(logs(second.events, 'install')).toEqual(
      expect.arrayContaining([expect.stringMatching(/^cache: hit deps-[0-9a-f]{64}/), 'reused']),
    );
    console.log(`cache: first run ${first.result.durationMs} ms, second run ${second.result.durationMs} ms`);
  });

  it('reports a job killed by its memory limit as out of memory', async () => {
    const { result, events } = await runYaml(
      `
jobs:
  hog:
    image: ferry/node:20
    resources: { memory: 64m }
    steps:
      - run: node -e "const a = []; for (;;) a.push(Buffer.alloc(4e6, 1))"
`,
      executor,
      { runId: newRunId() },
    );
    expect(result.jobs[0]?.status).toBe('failed');
    expect(result.jobs[0]?.reason).toContain(
      "was killed for running out of memory (the job's memory limit of 64.0 MiB",
    );
    expect(events.find((e) => e.type === 'step.finished')).toMatchObject({ exitCode: 137 });
  });

  it('refuses privileged jobs unless the runner allows them', async () => {
    const { result } = await runYaml(
      'jobs:\n  root:\n    image: ferry/busybox:1\n    privileged: true\n    steps: [{ run: echo never }]\n',
      executor,
      { runId: newRunId() },
    );
    expect(result.jobs[0]?.status).toBe('failed');
    expect(result.jobs[0]?.reason).toContain('privileged: true, which this runner does not allow');
  });

  it('runs every container with no-new-privileges, the limits, the workdir and the user', async () => {
    const { result, events } = await runYaml(
      `
jobs:
  inspect:
    image: ferry/busybox:1
    user: "1000"
    workdir: /src
    resources: { pids: 64, cpus: 0.5 }
    steps:
      - run: id -u; pwd; grep NoNewPrivs /proc/self/status; cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max; test -w hello.txt && echo writable
`,
      executor,
      { runId: newRunId() },
    );
    expect(result.status, JSON.stringify(result.jobs)).toBe('success');
    expect(logs(events, 'inspect')).toEqual(
      expect.arrayContaining(['1000', '/src', expect.stringMatching(/NoNewPrivs:\s+1/), '64', 'writable']),
    );
  });
});
