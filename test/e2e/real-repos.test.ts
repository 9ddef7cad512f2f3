import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ferry } from '../helpers/ferry-cli.js';
import { ferryContainers } from '../helpers/run-yaml.js';
import { createTempGitRepo, type TempGitRepo } from '../helpers/temp-git-repo.js';

/**
 * Issue #14's whole feature set in one pipeline, run by the built `ferry` on the real engine: git history in a
 * job, step outputs in `if:` and a job output, $FERRY_ENV, bash with pipefail, a step workdir, a template from an
 * included file extended twice, path conditions (one job skipped, one run), a matrix with failFast, and a job
 * running `docker run` against its own daemon.
 */
const pipeline = `name: real-repo
include: ci/templates.yml
x-busybox: &busybox
  image: ferry/busybox:1
  checkout: false
jobs:
  version:
    image: ferry/git:2
    checkout: { depth: 0 }
    outputs:
      tag: \${{ steps.describe.outputs.tag }}
    steps:
      - id: describe
        run: echo "tag=$(git describe --tags)" >> "$FERRY_OUTPUT"
      - if: steps.describe.outputs.tag != ''
        run: echo "described \${{ steps.describe.outputs.tag }}"
      - if: steps.describe.outputs.tag == 'no-such-tag'
        run: echo "this step must be skipped"
  shells:
    needs: version
    image: ferry/bash:1
    defaults: { shell: bash }
    steps:
      - run: |
          echo "RELEASE=\${{ jobs.version.outputs.tag }}" >> "$FERRY_ENV"
          printf 'NOTES<<EOF\\nline one\\nline two\\nEOF\\n' >> "$FERRY_ENV"
      - id: pipe
        allowFailure: true
        run: false | true
      - run: echo "release=$RELEASE notes=$(echo "$NOTES" | wc -l) pipe=\${{ steps.pipe.outcome }}"
      - workdir: app
        run: echo "in $(pwd) with $(cat main.txt)"
  lint:
    extends: .check
    steps:
      - run: echo "lint from=$FROM"
  unit:
    extends: [.check]
    matrix: { failFast: true, shard: [1, 2] }
    steps:
      - run: if [ "\${{ matrix.shard }}" = 1 ]; then sleep 1; exit 3; fi; sleep 60
  docs:
    <<: *busybox
    changes: ["docs/**"]
    steps:
      - run: echo docs built
  app:
    <<: *busybox
    changes: ["app/**"]
    steps:
      - run: echo app built
  inner:
    image: ferry/docker:20
    docker: true
    checkout: false
    steps:
      - run: mkdir r && cp /bin/busybox r/ && tar -C r -c . | docker import - inner:1
      - run: docker run --rm inner:1 /busybox echo hello-from-inner
`;

const templates = `jobs:
  .check:
    image: ferry/busybox:1
    checkout: false
    env: { FROM: template }
`;

interface Event {
  type: string;
  job?: string;
  line?: string;
  status?: string;
  reason?: string;
}

const docker = new Docker();
let repo: TempGitRepo;
let head: string;

beforeAll(async () => {
  repo = await createTempGitRepo({
    'ferry.yml': pipeline,
    'ci/templates.yml': templates,
    'app/main.txt': 'v1\n',
    'docs/guide.md': 'v1\n',
  });
  await repo.git('tag', '-a', 'v2.1.0', '-m', 'a release');
  await repo.git('checkout', '--quiet', '-b', 'feature');
  await repo.write({ 'app/main.txt': 'v2\n' });
  await repo.commit('app v2');
  head = await repo.git('rev-parse', '--short=7', 'HEAD');
});

afterAll(async () => {
  await repo?.cleanup();
});

describe('a real repository runs unchanged (issue #14)', () => {
  it('runs every feature of the issue in one pipeline on the real engine', async () => {
    const run = await ferry(['run', '--changed-since', 'main', '--allow-docker', '--json'], repo.dir);
    const events = run.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Event);
    const lines = events.flatMap((e) => (e.type === 'step.log' ? [`${e.job}: ${e.line}`] : []));
    const finished = Object.fromEntries(
      events.flatMap((e) => (e.type === 'job.finished' ? [[e.job, e.status]] : [])),
    ) as Record<string, string>;
    const skipped = Object.fromEntries(
      events.flatMap((e) => (e.type === 'job.skipped' ? [[e.job, e.reason]] : [])),
    ) as Record<string, string>;

    // Git history: describe sees the annotated tag one commit back.
    const tag = `v2.1.0-1-g${head}`;
    expect(lines).toContain(`version: described ${tag}`);
    expect(lines).not.toContain('version: this step must be skipped');
    // The job output, $FERRY_ENV (one line and a multi-line value), bash pipefail, a step workdir.
    expect(lines).toContain(`shells: release=${tag} notes=2 pipe=failure`);
    expect(lines).toContain('shells: in /workspace/app with v2');
    // A template from an included file, extended twice.
    expect(lines).toContain('lint: lint from=template');
    // Path conditions: app changed since main, docs did not.
    expect(lines).toContain('app: app built');
    expect(skipped.docs).toBe('no changed file matches docs/** (compared main...HEAD and the working tree)');
    // Docker in the job, against its own daemon.
    expect(lines).toContain('inner: hello-from-inner');
    // Matrix failFast: shard 1 fails, its running sibling is cancelled long before its 60 s sleep.
    expect(finished).toMatchObject({
      version: 'success',
      shells: 'success',
      lint: 'success',
      app: 'success',
      inner: 'success',
      'unit (shard=1)': 'failed',
      'unit (shard=2)': 'cancelled',
    });
    expect(run.exitCode).toBe(1);

    const runs = await ferry(['runs', '--json'], repo.dir);
    const runId = (JSON.parse(runs.stdout) as Array<{ id: string }>)[0]?.id ?? '';
    expect(runId).not.toBe('');
    expect(await ferryContainers(docker, runId)).toEqual([]);
    expect(await docker.listNetworks({ filters: { label: [`ferry.run=${runId}`] } })).toEqual([]);
    expect((await docker.listVolumes({ filters: { label: [`ferry.run=${runId}`] } })).Volumes ?? []).toEqual([]);
  }, 180_000);
});
