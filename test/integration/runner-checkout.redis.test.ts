import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StreamEntry } from '../../packages/runner/src/index.js';
import { createTempGitRepo, type TempGitRepo } from '../helpers/temp-git-repo.js';
import { openQueueFixture, redisUrlFor, type QueueFixture } from '../setup/queue-fixtures.js';
import { killAllRunners, spawnRunner } from '../setup/runner-process.js';

let fx: QueueFixture;
let repo: TempGitRepo;
let shas: string[];
const runIds: string[] = [];

const pipeline = `name: history
jobs:
  describe:
    image: ferry/git:2
    checkout: { depth: 0 }
    steps:
      - run: git describe --tags
      - run: git rev-parse HEAD
      - run: git rev-parse --abbrev-ref HEAD
      - run: git diff --exit-code && echo clean
  shallow:
    image: ferry/git:2
    steps:
      - run: echo "commits=$(git rev-list --count HEAD) shallow=$(git rev-parse --is-shallow-repository)"
  docs:
    image: ferry/busybox:1
    checkout: false
    changes: ["docs/**"]
    steps:
      - run: echo docs built
  app:
    image: ferry/busybox:1
    changes: ["src/**"]
    steps:
      - run: echo app built
`;

const lines = (entries: StreamEntry[], job: string) =>
  entries.flatMap(({ event }) =>
    (event.type === 'step.log' || event.type === 'job.log') && event.job === job ? [event.line] : [],
  );

/** Queues a push of `sha` to main (compared with `base` when given), and waits for the run to end. */
async function runPush(sha: string, base?: string) {
  const { runId } = await fx.queue.enqueue({
    repo: `file://${repo.dir}`,
    sha,
    ref: 'refs/heads/main',
    trigger: 'push',
    ...(base !== undefined ? { compare: { base } } : {}),
    labels: ['docker'],
  });
  runIds.push(runId);
  const record = await fx.waitForRun(runId, { timeoutMs: 60_000 });
  return { record, entries: await fx.entries(runId) };
}

beforeAll(async () => {
  fx = await openQueueFixture(redisUrlFor(14));
  repo = await createTempGitRepo({ 'ferry.yml': pipeline, 'src/app.txt': 'v1\n', 'docs/guide.md': 'v1\n' });
  await repo.git('tag', '-a', 'v0.1.0', '-m', 'first');
  await repo.write({ 'src/app.txt': 'v2\n' });
  await repo.commit('app v2');
  await repo.write({ 'docs/guide.md': 'v2\n' });
  await repo.commit('docs v2');
  shas = (await repo.git('rev-list', '--reverse', 'HEAD')).split('\n');
  await spawnRunner({ redisUrl: fx.url, name: 'git', concurrency: 1 });
});

afterAll(async () => {
  await killAllRunners();
  if (fx) expect(await fx.leftoversOf(runIds)).toEqual([]);
  await fx?.close();
  await repo?.cleanup();
});

describe('a runner gives jobs the same .git as ferry run', () => {
  it('describes the tag at depth 0, is shallow at depth 1, and decides changes: from the push before sha', async () => {
    const head = shas[2] as string;
    const { record, entries } = await runPush(head, shas[1]);
    expect(
      record.status,
      JSON.stringify(
        entries
          .filter((entry) => entry.event.type === 'job.finished' || entry.event.type === 'step.log')
          .map((entry) => entry.event),
      ),
    ).toBe('success');
    expect(lines(entries, 'describe')).toEqual(
      expect.arrayContaining([`v0.1.0-2-g${head.slice(0, 7)}`, head, 'main', 'clean']),
    );
    expect(lines(entries, 'shallow')).toContain('commits=1 shallow=true');
    expect(lines(entries, 'docs')).toContain('docs built');
    const compared = `${shas[1]?.slice(0, 7)}..${head.slice(0, 7)}`;
    expect(entries.map((entry) => entry.event)).toContainEqual(
      expect.objectContaining({
        type: 'job.skipped',
        job: 'app',
        reason: `no changed file matches src/** (compared ${compared})`,
      }),
    );
  });

  it('runs jobs with changes: when the push created the branch (nothing to compare)', async () => {
    const { record, entries } = await runPush(shas[2] as string);
    expect(record.status).toBe('success');
    expect(lines(entries, 'app')).toEqual(
      expect.arrayContaining([
        'changes: changes not compared (the push created the branch: there is no earlier commit to compare with): the job runs',
        'app built',
      ]),
    );
  });

  it('fails a job that asks for submodules, saying runners do not support them yet, and runs the others', async () => {
    await repo.write({
      'ferry.yml': `name: submodules
jobs:
  vendored:
    image: ferry/busybox:1
    checkout: { submodules: true }
    steps:
      - run: echo must not run
  plain:
    image: ferry/busybox:1
    steps:
      - run: echo plain ran
`,
    });
    await repo.commit('a job with submodules');
    const { record, entries } = await runPush(await repo.git('rev-parse', 'HEAD'));
    expect(record.status).toBe('failed');
    expect(lines(entries, 'vendored')).not.toContain('must not run');
    expect(lines(entries, 'plain')).toContain('plain ran');
    expect(entries.map((entry) => entry.event)).toContainEqual(
      expect.objectContaining({
        type: 'job.finished',
        job: 'vendored',
        status: 'failed',
        error: expect.stringContaining('checkout.submodules: submodules are not supported on runners yet'),
      }),
    );
  });
});
