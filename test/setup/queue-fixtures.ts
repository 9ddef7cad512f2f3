import Docker from 'dockerode';
import { Redis } from 'ioredis';
import { inject } from 'vitest';
import { reapResources } from '../../packages/engine/src/exec/docker/reap-resources.js';
import { RunQueue } from '../../packages/runner/src/index.js';
import type { RunRecord, StreamEntry } from '../../packages/runner/src/index.js';
import { redisKeys } from '../../packages/runner/src/index.js';
import { decodeStreamEntry } from '../../packages/runner/src/queue/stream-entry.js';

/** The test run's redis-server, database `db`: each *.redis.test.ts file takes a number of its own. */
export function redisUrlFor(db: number): string {
  return `${inject('redisUrl')}/${db}`;
}

export interface QueueFixture {
  url: string;
  redis: Redis;
  queue: RunQueue;
  docker: Docker;
  /** Every event entry of a run, in order. */
  entries(runId: string): Promise<StreamEntry[]>;
  /** Polls the record until `until` holds (default: a final status). */
  waitForRun(
    runId: string,
    options?: { timeoutMs?: number; until?: (record: RunRecord) => boolean },
  ): Promise<RunRecord>;
  /** Containers (running or not) labelled with the run. */
  containersOf(runId: string): Promise<string[]>;
  /** The containers these runs left, which it then removes (so a failed test leaves nothing behind either). */
  leftoversOf(runIds: readonly string[]): Promise<string[]>;
  close(): Promise<void>;
}

export async function openQueueFixture(url: string): Promise<QueueFixture> {
  const redis = new Redis(url, { maxRetriesPerRequest: null });
  await redis.flushdb();
  const queue = new RunQueue(redis);
  const docker = new Docker();
  const fixture: QueueFixture = {
    url,
    redis,
    queue,
    docker,
    async entries(runId) {
      const raw = (await redis.xrange(redisKeys.events(runId), '-', '+')) as [string, string[]][];
      return raw
        .map(([id, fields]) => decodeStreamEntry(id, fields))
        .filter((entry): entry is StreamEntry => entry !== undefined);
    },
    async waitForRun(runId, options = {}) {
      const until =
        options.until ??
        ((record) => ['success', 'failed', 'cancelled', 'error', 'runner-lost'].includes(record.status));
      const deadline = Date.now() + (options.timeoutMs ?? 30_000);
      let last: RunRecord | undefined;
      while (Date.now() < deadline) {
        last = await queue.get(runId);
        if (last && until(last)) return last;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`run ${runId} did not get there in time; last record: ${JSON.stringify(last)}`);
    },
    async containersOf(runId) {
      const containers = await docker.listContainers({ all: true, filters: { label: [`ferry.run=${runId}`] } });
      return containers.map((container) => container.Names[0] ?? container.Id);
    },
    async leftoversOf(runIds) {
      const left: string[] = [];
      for (const runId of runIds) {
        const names = await fixture.containersOf(runId);
        if (names.length > 0) await reapResources(docker, { runId });
        left.push(...names);
      }
      return left;
    },
    async close() {
      await queue.close();
      await redis.quit();
    },
  };
  return fixture;
}

/** Waits until `check` returns something truthy. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
