import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StreamEntry } from '../../packages/runner/src/index.js';
import { createTempGitRepo, type TempGitRepo } from '../helpers/temp-git-repo.js';
import { openQueueFixture, redisUrlFor, type QueueFixture } from '../setup/queue-fixtures.js';
import { killAllRunners, spawnRunner, type RunnerProcess } from '../setup/runner-process.js';

let fx: QueueFixture;
let repo: TempGitRepo;
let runner: RunnerProcess;
const runIds: string[] = [];
const name = `pool-${process.pid}`;
const byRunner = { label: [`ferry.runner=${name}`] };

const pipeline = `name: pooled
env: { FROM_PIPELINE: p }
jobs:
  hello:
    image: ferry/busybox:1
    env: { GREETING: hi }
    steps:
      - run: echo "$GREETING $FROM_PIPELINE $(cat notes.txt)"; hostname
`;

const lines = (entries: StreamEntry[], job: string) =>
  entries.flatMap(({ event }) => (event.type === 'step.log' && event.job === job ? [event.line] : []));

async function runOnce() {
  const { runId } = await fx.queue.enqueue({
    repo: `file://${repo.dir}`,
    sha: await repo.git('rev-parse', 'HEAD'),
    ref: 'refs/heads/main',
    trigger: 'push',
    labels: ['docker'],
  });
  runIds.push(runId);
  const record = await fx.waitForRun(runId, { timeoutMs: 60_000 });
  return { record, lines: lines(await fx.entries(runId), 'hello') };
}

async function pooledIds(): Promise<string[]> {
  const list = await fx.docker.listContainers({ all: true, filters: { label: [...byRunner.label, 'ferry.pool'] } });
  return list.map((c) => c.Id);
}

beforeAll(async () => {
  fx = await openQueueFixture(redisUrlFor(7));
  repo = await createTempGitRepo({ 'ferry.yml': pipeline, 'notes.txt': 'from the commit\n' });
  runner = await spawnRunner({ redisUrl: fx.url, name, concurrency: 1, pool: 1 });
});

afterAll(async () => {
  await killAllRunners();
  if (fx) expect(await fx.leftoversOf(runIds)).toEqual([]);
  await fx?.close();
  await repo?.cleanup();
});

describe('ferry runner --pool', () => {
  it('runs a later job of an image in a container it started ahead, and leaves nothing after SIGTERM', async () => {
    // The first run shows the runner the image; the pool then keeps one started container of it.
    const first = await runOnce();
    expect(first.record.status).toBe('success');
    let ready: string[] = [];
    for (let i = 0; i < 100 && ready.length === 0; i++) {
      ready = await pooledIds();
      if (ready.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(ready).toHaveLength(1);

    const second = await runOnce();
    expect(second.record.status).toBe('success');
    const [greeting, host] = second.lines;
    expect(greeting).toBe('hi p from the commit');
    expect(ready[0]?.startsWith(host ?? '-'), `${host} is the pooled ${ready[0]}`).toBe(true);

    runner.child.kill('SIGTERM');
    expect((await runner.exited).code).toBe(0);
    expect(await fx.docker.listContainers({ all: true, filters: byRunner })).toEqual([]);
    expect(await fx.docker.listNetworks({ filters: byRunner })).toEqual([]);
  });
});
