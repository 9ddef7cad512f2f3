import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StreamEntry } from '../../packages/runner/src/index.js';
import { listRunArtifacts } from '../../packages/runner/src/queue/run-artifacts.js';
import { createTempGitRepo, type TempGitRepo } from '../helpers/temp-git-repo.js';
import { openQueueFixture, redisUrlFor, type QueueFixture } from '../setup/queue-fixtures.js';
import { killAllRunners, spawnRunner } from '../setup/runner-process.js';

let fx: QueueFixture;
let repo: TempGitRepo;
let sha: string;
const runIds: string[] = [];

/** A workflow-only repository: setup-node (no image of its own here without --image) and an artifact per cell. */
const workflow = `name: ci
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        part: [a, b]
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with: { node-version: 20 }
      - run: mkdir -p out && node -e "console.log('part ' + process.argv[1])" \${{ matrix.part }} > out/\${{ matrix.part }}.txt
      - uses: actions/upload-artifact@v4
        with: { name: "part-\${{ matrix.part }}", path: out/ }
  use:
    needs: build
    runs-on: ubuntu-latest
    steps:
      - uses: actions/setup-node@v4
        with: { node-version: 20 }
      - uses: actions/download-artifact@v4
        with: { pattern: "part-*", path: parts, merge-multiple: true }
      - run: node --version && cat parts/a.txt parts/b.txt
`;

const lines = (entries: StreamEntry[], job: string) =>
  entries.flatMap(({ event }) =>
    (event.type === 'step.log' || event.type === 'job.log') && event.job === job ? [event.line] : [],
  );

async function runOn(labels: string[], images?: Record<string, string>) {
  const { runId } = await fx.queue.enqueue({
    repo: `file://${repo.dir}`,
    sha,
    ref: 'refs/heads/main',
    trigger: 'push',
    labels,
    ...(images ? { images } : {}),
  });
  runIds.push(runId);
  const record = await fx.waitForRun(runId, { timeoutMs: 90_000 });
  return { runId, record, entries: await fx.entries(runId) };
}

beforeAll(async () => {
  fx = await openQueueFixture(redisUrlFor(15));
  repo = await createTempGitRepo({ '.github/workflows/ci.yml': workflow, 'README.md': 'workflow only\n' });
  sha = (await repo.git('rev-parse', 'HEAD')).trim();
  await spawnRunner({
    redisUrl: fx.url,
    name: 'mapped',
    labels: 'docker,mapped',
    concurrency: 1,
    args: ['--image', 'node=ferry/node:20'],
  });
  await spawnRunner({ redisUrl: fx.url, name: 'plain', labels: 'docker,plain', concurrency: 1 });
}, 60_000);

afterAll(async () => {
  await killAllRunners();
  if (fx) expect(await fx.leftoversOf(runIds)).toEqual([]);
  await fx?.close();
  await repo?.cleanup();
});

describe('runner --image for workflow-only repositories', () => {
  it("runs a pushed repository's GitHub workflow with node mapped to a local image", async () => {
    const { runId, record, entries } = await runOn(['mapped']);
    expect(record.status, JSON.stringify(record)).toBe('success');
    const started = entries.flatMap(({ event }) => (event.type === 'job.started' ? [event.image] : []));
    expect(new Set(started)).toEqual(new Set(['ferry/node:20']));
    expect(lines(entries, 'use')).toEqual(
      expect.arrayContaining([
        'artifacts: restored "part-a" of build (part=a) into parts/',
        expect.stringMatching(/^v20\./),
        'part a',
        'part b',
      ]),
    );
    // The API lists each cell's archive with its artifact name.
    const kept = await listRunArtifacts(fx.redis, runId);
    expect(kept.map(({ job, name }) => [job, name]).sort()).toEqual([
      ['build (part=a)', 'part-a'],
      ['build (part=b)', 'part-b'],
    ]);
  }, 120_000);

  it("uses the run request's images (ferry serve --image) on a runner without its own", async () => {
    const { record, entries } = await runOn(['plain'], { node: 'ferry/node:20' });
    expect(record.status, JSON.stringify(record)).toBe('success');
    expect(lines(entries, 'use')).toEqual(expect.arrayContaining(['part a', 'part b']));
  }, 120_000);

  it('without a mapping the public image is used, which this machine cannot pull', async () => {
    const { record, entries } = await runOn(['plain']);
    expect(record.status).toBe('failed');
    const started = entries.flatMap(({ event }) => (event.type === 'job.started' ? [event.image] : []));
    expect(started).toContain('node:20');
  }, 120_000);
});
