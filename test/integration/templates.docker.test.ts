import Docker from 'dockerode';
import { afterAll, describe, expect, it } from 'vitest';
import { DockerExecutor } from '../../packages/engine/src/exec/docker/docker-executor.js';
import { EventStream } from '../../packages/engine/src/run/event-stream.js';
import type { RunEvent } from '../../packages/engine/src/run/events.js';
import { prepareRun } from '../../packages/engine/src/run/prepare-run.js';
import { runPlan } from '../../packages/engine/src/run/run-plan.js';
import { ferryContainers, testGit, uniqueRunId } from '../helpers/run-yaml.js';
import { createTempGitRepo, type TempGitRepo } from '../helpers/temp-git-repo.js';

const docker = new Docker();
const runId = uniqueRunId('tmpl');
let repo: TempGitRepo | undefined;

afterAll(async () => {
  await repo?.cleanup();
  expect(await ferryContainers(docker, runId)).toEqual([]);
  expect(await docker.listNetworks({ filters: { label: [`ferry.run=${runId}`] } })).toEqual([]);
});

describe('templates, includes and matrix failFast on the Docker engine', () => {
  it('runs a template extended twice from an included file, and cancels matrix siblings when a cell fails', async () => {
    repo = await createTempGitRepo({
      'ferry.yml': `
include: ci/templates.yml
jobs:
  unit:
    extends: .busybox
    matrix: { maxParallel: 2, n: [1, 2, 3] }
    steps:
      - run: if [ "\${{ matrix.n }}" = 1 ]; then sleep 1; exit 3; fi; sleep 60
  lint:
    extends: .busybox
    services:
      web:
        image: ferry/busybox:1
        env: { discovery.type: single-node }
        # What Docker gave the container, read from PID 1: a POSIX shell drops names with dots from its children's env.
        command: mkdir -p /www && tr '\\0' '\\n' < /proc/1/environ > /www/env && exec httpd -f -p 8080 -h /www
        health: { tcp: 8080 }
    steps:
      - run: wget -q -O - http://web:8080/env | grep -x discovery.type=single-node
      - run: echo "from=$FROM"
`,
      'ci/templates.yml': 'jobs:\n  .busybox:\n    image: ferry/busybox:1\n    env: { FROM: template }\n',
    });
    const prepared = await prepareRun({
      path: `${repo.dir}/ferry.yml`,
      shownAs: 'ferry.yml',
      workspace: repo.dir,
      // The repository's own commit: jobs get a checkout of it.
      git: {
        ...testGit,
        sha: await repo.git('rev-parse', 'HEAD'),
        shortSha: await repo.git('rev-parse', '--short=7', 'HEAD'),
      },
      secrets: { env: {} },
    });
    if (!prepared.ok) throw new Error(JSON.stringify(prepared.issues));
    expect(prepared.plan.jobs.map((job) => job.id)).toEqual(['unit (n=1)', 'unit (n=2)', 'unit (n=3)', 'lint']);

    const events: RunEvent[] = [];
    const stream = new EventStream(runId, Date.now);
    stream.subscribe((event) => events.push(event));
    const started = Date.now();
    const result = await runPlan(prepared.plan, {
      executor: new DockerExecutor({ docker }),
      events: stream,
      workspace: repo.dir,
      git: prepared.git,
      concurrency: 4,
    });
    const status = Object.fromEntries(result.jobs.map((job) => [job.id, [job.status, job.reason ?? '']]));
    expect(status).toEqual({
      'unit (n=1)': ['failed', expect.stringContaining('exit')],
      'unit (n=2)': ['cancelled', 'cancelled because unit (n=1) failed (matrix failFast)'],
      'unit (n=3)': ['cancelled', 'cancelled because unit (n=1) failed (matrix failFast)'],
      lint: ['success', ''],
    });
    // n=2 ran (and was stopped well before its 60 s sleep); n=3 waited for maxParallel and never started.
    const startedJobs = events.flatMap((e) => (e.type === 'job.started' ? [e.job] : []));
    expect(startedJobs).toContain('unit (n=2)');
    expect(startedJobs).not.toContain('unit (n=3)');
    expect(Date.now() - started).toBeLessThan(45_000);
    const lintLog = events.flatMap((e) => (e.type === 'step.log' && e.job === 'lint' ? [e.line] : []));
    expect(lintLog).toEqual(expect.arrayContaining(['discovery.type=single-node', 'from=template']));
    expect(result.status).toBe('failed');
  });
});
