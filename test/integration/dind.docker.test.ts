import Docker from 'dockerode';
import { afterAll, describe, expect, it } from 'vitest';
import { DockerExecutor } from '../../packages/engine/src/exec/docker/docker-executor.js';
import { reapResources } from '../../packages/engine/src/exec/docker/reap-resources.js';
import { buildJobRun } from '../helpers/build-job-run.js';
import { capture } from '../contracts/executor.contract.js';
import type { RunEvent } from '../../packages/engine/src/run/events.js';
import { ferryContainers, runYaml, tempWorkspace, uniqueRunId } from '../helpers/run-yaml.js';

const docker = new Docker();
const runIds: string[] = [];
const newRunId = () => {
  const id = uniqueRunId('dind');
  runIds.push(id);
  return id;
};
const logs = (events: RunEvent[], job: string) =>
  events.flatMap((e) => ((e.type === 'step.log' || e.type === 'job.log') && e.job === job ? [e.line] : []));

async function leftovers(runId: string) {
  const filters = { label: [`ferry.run=${runId}`] };
  return {
    containers: (await ferryContainers(docker, runId)).map((c) => c.Names[0] ?? c.Id),
    networks: (await docker.listNetworks({ filters })).map((n) => n.Name),
    volumes: ((await docker.listVolumes({ filters })).Volumes ?? []).map((v) => v.Name),
  };
}

afterAll(async () => {
  for (const id of runIds) expect(await leftovers(id)).toEqual({ containers: [], networks: [], volumes: [] });
});

// The inner daemon can pull nothing either: the job builds its image from its own busybox.
const innerImage =
  'mkdir -p r/www && cp /bin/busybox r/ && echo pong > r/www/ping && tar -C r -c . | docker import - inner:1';

describe('docker: true on the Docker engine', () => {
  it('gives the job a Docker daemon of its own that runs containers, and removes it with the run', async () => {
    const runId = newRunId();
    const executor = new DockerExecutor({ docker, dockerAccess: 'sidecar' });
    let during: ReturnType<typeof leftovers> | undefined;
    const { result, events } = await runYaml(
      `
jobs:
  dind:
    image: ferry/docker:20
    docker: true
    steps:
      - run: echo "DOCKER_HOST=$DOCKER_HOST"; docker info --format 'driver={{.Driver}} containers={{.Containers}}'
      - run: ${innerImage} && docker images --format 'image={{.Repository}}:{{.Tag}}'
      - run: docker run --rm inner:1 /busybox echo hello-from-inner
      - name: a published port answers on the daemon's host name, as Testcontainers expects
        run: |
          docker run -d -p 8080:8080 --name web inner:1 /busybox httpd -f -p 8080 -h /www
          for i in 1 2 3 4 5 6 7 8 9 10; do wget -q -O - http://docker:8080/ping && exit 0; sleep 0.5; done; exit 1
`,
      executor,
      {
        runId,
        onEvent: (event) => {
          // While the job runs: its daemon is a labelled container with a labelled data volume.
          if (event.type === 'step.started' && event.step === 2) during = leftovers(runId);
        },
      },
    );
    expect(result.status, JSON.stringify(result.jobs)).toBe('success');
    const lines = logs(events, 'dind');
    expect(lines).toEqual(
      expect.arrayContaining([
        'DOCKER_HOST=tcp://docker:2375',
        expect.stringMatching(/^driver=(overlay2|vfs) containers=0$/),
        'image=inner:1',
        'hello-from-inner',
        'pong',
        expect.stringMatching(/^service docker is ready \(\d+ ms\)$/),
      ]),
    );
    // Its own daemon: the host's images are not there.
    expect(lines.filter((line) => line.startsWith('image='))).toEqual(['image=inner:1']);
    const ready = lines.find((line) => line.startsWith('service docker is ready'));
    console.log(`[dind] ${ready}`);
    const found = await during;
    expect(found?.containers.some((name) => name.endsWith('-docker'))).toBe(true);
    expect(found?.volumes).toHaveLength(1);
  }, 180_000);

  it("holds the daemon to the job's limits, and leaves it and its volume to the reaper when the run dies", async () => {
    const runId = newRunId();
    const executor = new DockerExecutor({ docker, dockerAccess: 'sidecar', defaultResources: { pids: 512 } });
    const job = buildJobRun({
      id: 'dind',
      jobId: 'dind',
      image: 'ferry/docker:20',
      docker: true,
      resources: { memoryBytes: 1024 ** 3 },
    });
    await executor.prepare(job, { runId, workspace: tempWorkspace(), env: {} }, capture().io);
    const during = await leftovers(runId);
    expect(during.containers).toHaveLength(2);
    expect(during.volumes).toHaveLength(1);
    // The job's limits hold the daemon, and so what the job runs in it.
    const daemon = during.containers.find((name) => name.endsWith('-docker')) ?? '';
    const { HostConfig } = await docker.getContainer(daemon.slice(1)).inspect();
    expect(HostConfig).toMatchObject({ PidsLimit: 512, Memory: 1024 ** 3 });
    // What `ferry gc` and the next run's start-up reaping do for a run whose process died.
    await reapResources(docker, { runId });
    expect(await leftovers(runId)).toEqual({ containers: [], networks: [], volumes: [] });
  }, 120_000);

  it('refuses docker: true unless the executor allows it, naming the job and the flag', async () => {
    const { result } = await runYaml(
      'jobs:\n  dind:\n    image: ferry/docker:20\n    docker: true\n    steps: [{ run: echo never }]\n',
      new DockerExecutor({ docker }),
      { runId: newRunId() },
    );
    expect(result.jobs[0]?.status).toBe('failed');
    expect(result.jobs[0]?.reason).toMatch(
      /job "dind" asks for docker: true, which is off here; start Ferry with --allow-docker/,
    );
  });

  it("mounts the host's socket with host-socket access, with a warning in the job's log", async () => {
    const { result, events } = await runYaml(
      `
jobs:
  host:
    image: ferry/docker:20
    docker: true
    steps:
      - run: echo "DOCKER_HOST=$DOCKER_HOST"; docker image inspect --format 'found {{index .RepoTags 0}}' ferry/docker:20
`,
      new DockerExecutor({ docker, dockerAccess: 'host-socket' }),
      { runId: newRunId() },
    );
    expect(result.status, JSON.stringify(result.jobs)).toBe('success');
    expect(logs(events, 'host')).toEqual(
      expect.arrayContaining([
        'DOCKER_HOST=unix:///var/run/docker.sock',
        'found ferry/docker:20',
        expect.stringMatching(/^WARNING: this job has the host's Docker socket/),
      ]),
    );
  });
});
