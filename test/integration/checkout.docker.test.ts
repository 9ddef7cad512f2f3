import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerExecutor } from '../../packages/engine/src/exec/docker/docker-executor.js';
import { readChangeSet } from '../../packages/engine/src/git/read-change-set.js';
import { readGitContext } from '../../packages/engine/src/git/read-git-context.js';
import { parsePipeline } from '../../packages/engine/src/pipeline/index.js';
import type { ChangeSet } from '../../packages/engine/src/plan/match-changes.js';
import { planPipeline } from '../../packages/engine/src/plan/plan-pipeline.js';
import { EventStream } from '../../packages/engine/src/run/event-stream.js';
import type { RunEvent } from '../../packages/engine/src/run/events.js';
import { runPlan } from '../../packages/engine/src/run/run-plan.js';
import { ferryContainers, uniqueRunId } from '../helpers/run-yaml.js';
import { createTempGitRepo, type TempGitRepo } from '../helpers/temp-git-repo.js';

const docker = new Docker();
const executor = new DockerExecutor({ docker });
const runIds: string[] = [];
let repo: TempGitRepo;
let shas: string[];

const logs = (events: RunEvent[], job: string) =>
  events.flatMap((e) => ((e.type === 'step.log' || e.type === 'job.log') && e.job === job ? [e.line] : []));

/** Plans and runs `yaml` on the real engine in the temp repo, with its real git context, as `ferry run` does. */
async function runInRepo(yaml: string, changes?: ChangeSet, workspace = repo.dir) {
  const { spec, issues } = parsePipeline(yaml, 'ferry.yml');
  if (!spec || issues.length > 0) throw new Error(`invalid pipeline: ${JSON.stringify(issues)}`);
  const git = await readGitContext(workspace);
  const planned = planPipeline(spec, 'ferry.yml', { git, ...(changes ? { changes } : {}) });
  if (!planned.plan) throw new Error(`unplannable: ${JSON.stringify(planned.issues)}`);
  const runId = uniqueRunId('checkout');
  runIds.push(runId);
  const events: RunEvent[] = [];
  const stream = new EventStream(runId, Date.now);
  stream.subscribe((event) => events.push(event));
  const result = await runPlan(planned.plan, { executor, events: stream, workspace, git, concurrency: 3 });
  return { plan: planned.plan, result, events };
}

beforeAll(async () => {
  repo = await createTempGitRepo({ 'README.md': 'shop\n', 'src/app.txt': 'v1\n', 'docs/guide.md': 'guide\n' });
  await repo.git('tag', '-a', 'v1.0.0', '-m', 'first release');
  await repo.write({ 'src/app.txt': 'v2\n' });
  await repo.commit('app v2');
  await repo.git('tag', 'v1.1.0');
  await repo.write({ 'src/app.txt': 'v3\n' });
  await repo.commit('app v3');
  await repo.write({ 'docs/guide.md': 'guide, second edition\n' });
  await repo.commit('docs only');
  shas = (await repo.git('rev-list', '--reverse', 'HEAD')).split('\n');
});

afterAll(async () => {
  await repo?.cleanup();
  for (const id of runIds) expect(await ferryContainers(docker, id)).toEqual([]);
});

describe('the checkout of a job on the Docker engine', () => {
  it('gives jobs a .git of the commit: depth 1 by default, all history and tags at depth 0, none with checkout: false', async () => {
    const head = shas[3] as string;
    const { result, events } = await runInRepo(`
jobs:
  shallow:
    image: ferry/git:2
    steps:
      - run: git rev-parse HEAD
      - run: git rev-parse --abbrev-ref HEAD
      - run: echo "shallow=$(git rev-parse --is-shallow-repository) commits=$(git rev-list --count HEAD)"
      - run: git diff --exit-code && git status --porcelain | wc -l | sed 's/^ */dirty=/'
  full:
    needs: shallow
    image: ferry/git:2
    checkout: { depth: 0 }
    steps:
      - run: git describe --tags
      - run: git describe
      - run: echo "commits=$(git rev-list --count HEAD)"
  bare:
    image: ferry/busybox:1
    checkout: false
    steps:
      - run: echo "entries=$(ls -A | wc -l)"
`);
    expect(result.status, JSON.stringify(result.jobs)).toBe('success');
    expect(logs(events, 'shallow')).toEqual(
      expect.arrayContaining([
        head,
        'main',
        'shallow=true commits=1',
        'dirty=0',
        expect.stringMatching(/with \.git to/),
      ]),
    );
    expect(logs(events, 'full')).toEqual(
      expect.arrayContaining([`v1.1.0-2-g${head.slice(0, 7)}`, `v1.0.0-3-g${head.slice(0, 7)}`, 'commits=4']),
    );
    expect(logs(events, 'bare')).toEqual(expect.arrayContaining(['entries=0']));
  });

  it('runs a job whose paths changed and skips one whose paths did not, with the reason', async () => {
    const changes = await readChangeSet(repo.dir, { base: shas[2] as string, head: shas[3] as string });
    const { plan, result, events } = await runInRepo(
      `
jobs:
  docs:
    image: ferry/busybox:1
    changes: ["docs/**"]
    checkout: false
    steps:
      - run: echo docs built
  app:
    image: ferry/busybox:1
    changes: ["src/**", "!src/**/*.md"]
    checkout: false
    steps:
      - run: echo app built
`,
      changes,
    );
    const compared = `${shas[2]?.slice(0, 7)}..${shas[3]?.slice(0, 7)}`;
    expect(result.status).toBe('success');
    expect(plan.skipped).toEqual([
      { id: 'app', jobId: 'app', reason: `no changed file matches src/**, !src/**/*.md (compared ${compared})` },
    ]);
    expect(events).toContainEqual(expect.objectContaining({ type: 'job.skipped', job: 'app' }));
    expect(logs(events, 'docs')).toEqual(
      expect.arrayContaining([`changes: docs/guide.md changed, matching docs/** (compared ${compared})`, 'docs built']),
    );
  });

  it("shows the work tree's uncommitted changes against the commit, as git status would on the host", async () => {
    await repo.write({ 'src/app.txt': 'v4, not committed\n', 'notes.txt': 'untracked\n' });
    try {
      const { result, events } = await runInRepo(`
jobs:
  status:
    image: ferry/git:2
    steps:
      - run: git status --porcelain
      - run: git diff --exit-code >/dev/null || echo "diff exit $?"
      - run: cat src/app.txt
`);
      expect(result.status, JSON.stringify(result.jobs)).toBe('success');
      expect(logs(events, 'status')).toEqual(
        expect.arrayContaining([' M src/app.txt', '?? notes.txt', 'diff exit 1', 'v4, not committed']),
      );
    } finally {
      await repo.git('checkout', '--', 'src/app.txt');
      await repo.remove('notes.txt');
    }
  });
});

describe('the submodules of a job on the Docker engine', () => {
  let lib: TempGitRepo;
  let app: TempGitRepo;
  let libSha: string;

  beforeAll(async () => {
    lib = await createTempGitRepo({ 'lib.txt': 'lib 1\n' });
    await lib.write({ 'lib.txt': 'lib 2\n' });
    await lib.commit('lib two');
    libSha = await lib.git('rev-parse', 'HEAD');
    app = await createTempGitRepo({ 'app.txt': 'app\n' });
    await app.git('-c', 'protocol.file.allow=always', 'submodule', 'add', '--quiet', lib.dir, 'lib');
    await app.commit('with lib');
  });

  afterAll(async () => {
    await Promise.all([lib?.cleanup(), app?.cleanup()]);
  });

  it('gives a submodule a .git of its recorded commit with submodules, and only its files without', async () => {
    const { result, events } = await runInRepo(
      `
jobs:
  with:
    image: ferry/git:2
    checkout: { submodules: true }
    steps:
      - run: cat lib/lib.txt
      - run: echo "lib head $(git -C lib rev-parse HEAD)"
      - run: echo "lib shallow $(git -C lib rev-parse --is-shallow-repository)"
      - run: git submodule status
      - run: git -C lib status --porcelain | wc -l | sed 's/^ */lib dirty=/'
  without:
    image: ferry/git:2
    steps:
      - run: cat lib/lib.txt
      - run: git submodule status
      - run: echo "lib toplevel $(git -C lib rev-parse --show-toplevel)"
`,
      undefined,
      app.dir,
    );
    expect(result.status, JSON.stringify(result.jobs)).toBe('success');
    const withLines = logs(events, 'with');
    expect(withLines).toEqual(
      expect.arrayContaining(['lib 2', `lib head ${libSha}`, 'lib shallow true', 'lib dirty=0']),
    );
    expect(withLines.find((line) => line.includes(`${libSha} lib`))).toMatch(new RegExp(`^ ${libSha} lib`));
    expect(withLines.some((line) => line.startsWith('copied ') && line.includes('with .git and 1 submodule'))).toBe(
      true,
    );
    const withoutLines = logs(events, 'without');
    expect(withoutLines).toEqual(expect.arrayContaining(['lib 2', `-${libSha} lib`, 'lib toplevel /workspace']));
  });
});
