import Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { ferry, tempRepo } from '../helpers/ferry-cli.js';
import { ferryContainers } from '../helpers/run-yaml.js';

const docker = new Docker();

const pipeline = `jobs:
  inner:
    image: ferry/docker:20
    docker: true
    steps:
      - run: mkdir r && cp /bin/busybox r/ && tar -C r -c . | docker import - inner:1
      - run: docker run --rm inner:1 /busybox echo hello-from-inner
`;

/** The run id `ferry run` printed, from `ferry runs --json` (the newest run in the directory). */
async function lastRunId(dir: string): Promise<string> {
  const runs = await ferry(['runs', '--json'], dir);
  return (JSON.parse(runs.stdout) as Array<{ id: string }>)[0]?.id ?? '';
}

describe('ferry run with docker: true', () => {
  it("runs docker run against the job's own daemon with --allow-docker, and leaves nothing behind", async () => {
    const dir = await tempRepo({ 'ferry.yml': pipeline });
    const result = await ferry(['run', '--allow-docker'], dir);
    expect(result.exitCode, result.all).toBe(0);
    expect(result.all).toContain('hello-from-inner');
    const runId = await lastRunId(dir);
    expect(runId).not.toBe('');
    const filters = { label: [`ferry.run=${runId}`] };
    expect(await ferryContainers(docker, runId)).toEqual([]);
    expect(await docker.listNetworks({ filters })).toEqual([]);
    expect((await docker.listVolumes({ filters })).Volumes ?? []).toEqual([]);
  }, 120_000);

  it('refuses the run before any job starts without --allow-docker, naming the job and the flag', async () => {
    const dir = await tempRepo({ 'ferry.yml': pipeline });
    const result = await ferry(['run'], dir);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe(
      'EXEC_DOCKER_NOT_ALLOWED: job "inner" asks for docker: true, which is off here; start Ferry with --allow-docker (ferry run --allow-docker, ferry runner --allow-docker) to give such jobs a Docker daemon of their own, or remove docker: true',
    );
    expect(result.stdout).not.toContain('inner');
  });

  it('takes --docker-socket host only with --allow-docker, and warns loudly once when it does', async () => {
    const dir = await tempRepo({
      'ferry.yml': `jobs:
  host:
    image: ferry/docker:20
    docker: true
    steps:
      - run: docker version --format 'server {{.Server.Version}}'
`,
    });
    const usage = await ferry(['run', '--docker-socket', 'host'], dir);
    expect(usage.exitCode).toBe(2);
    expect(usage.stderr).toContain('--docker-socket host needs --allow-docker');
    const result = await ferry(['run', '--allow-docker', '--docker-socket', 'host'], dir);
    expect(result.exitCode, result.all).toBe(0);
    expect(
      result.stderr.match(/WARNING: --docker-socket host: job "host" gets the host's Docker socket/g),
    ).toHaveLength(1);
    expect(result.all).toMatch(/server \d+\.\d+/);
  }, 60_000);
});
