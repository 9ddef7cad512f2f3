import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunListFeed } from '../../packages/runner/src/api/run-list-feed.js';
import { keepRunArtifacts, listRunArtifacts, readRunArtifact } from '../../packages/runner/src/queue/run-artifacts.js';
import type { RunRecord } from '../../packages/runner/src/queue/run-record.js';
import { openQueueFixture, redisUrlFor, type QueueFixture } from '../setup/queue-fixtures.js';

let fx: QueueFixture;
let dir: string;

beforeAll(async () => {
  fx = await openQueueFixture(redisUrlFor(9));
  dir = await mkdtemp(path.join(tmpdir(), 'ferry-run-list-'));
});

afterAll(async () => {
  await fx?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('RunListFeed', () => {
  it('tells each subscriber of every record write, through one SUBSCRIBE connection that goes with the last', async () => {
    const connections: Redis[] = [];
    const feed = new RunListFeed(fx.redis, () => {
      const connection = new Redis(fx.url);
      connections.push(connection);
      return connection;
    });
    const seen: RunRecord[] = [];
    const others: RunRecord[] = [];
    const stop = await feed.subscribe({ changed: (run) => seen.push(run), resync: () => undefined });
    const stopOther = await feed.subscribe({ changed: (run) => others.push(run), resync: () => undefined });
    const { runId } = await fx.queue.enqueue({ repo: 'file:///nowhere.git', sha: 'abcdef1', labels: ['never'] });
    await expect.poll(() => seen.map((run) => [run.id, run.status])).toContainEqual([runId, 'queued']);
    await fx.queue.cancel(runId);
    await expect.poll(() => seen.map((run) => run.status)).toContain('cancelled');
    expect(others.map((run) => run.status)).toEqual(seen.map((run) => run.status));
    expect(connections).toHaveLength(1);
    stop();
    stopOther();
    await expect.poll(() => connections[0]?.status).toBe('end');
  });
});

describe('run artifacts in Redis', () => {
  it('keeps archives under the limit, lists the others with why, and hands the kept ones back byte for byte', async () => {
    const small = path.join(dir, 'small.tar');
    const big = path.join(dir, 'big.tar');
    await writeFile(small, Buffer.from([0, 1, 2, 255]));
    await writeFile(big, Buffer.alloc(2048, 7));
    await keepRunArtifacts(
      fx.redis,
      'r-art',
      [
        { job: 'build (node=20)', file: small, name: 'dist-20' },
        { job: 'bundle', file: big },
      ],
      { retentionMs: 60_000, maxBytes: 1024 },
    );
    expect(await listRunArtifacts(fx.redis, 'r-art')).toEqual([
      { job: 'build (node=20)', name: 'dist-20', bytes: 4, kept: true },
      { job: 'bundle', bytes: 2048, kept: false, reason: 'over the 1024 bytes an archive may have' },
    ]);
    expect(await readRunArtifact(fx.redis, 'r-art', 'build (node=20)')).toEqual(Buffer.from([0, 1, 2, 255]));
    expect(await readRunArtifact(fx.redis, 'r-art', 'bundle')).toBeUndefined();
    expect(await readRunArtifact(fx.redis, 'r-art', 'nope')).toBeUndefined();
    expect(await fx.redis.ttl('ferry:run:r-art:artifacts')).toBeGreaterThan(50);
  });
});
