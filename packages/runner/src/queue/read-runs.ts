import type { Redis } from 'ioredis';
import { keys } from './names.js';
import { decodeRunRecord, isFinalStatus, type RunRecord } from './run-record.js';

export async function getRun(redis: Redis, runId: string): Promise<RunRecord | undefined> {
  return decodeRunRecord(await redis.hgetall(keys.run(runId)));
}

/** Newest first. Index entries whose record has expired are dropped from the index on the way. */
export async function listRuns(redis: Redis, options: { limit?: number } = {}): Promise<RunRecord[]> {
  const ids = await redis.zrevrange(keys.runs, 0, (options.limit ?? 50) - 1);
  if (ids.length === 0) return [];
  const pipeline = redis.pipeline();
  for (const id of ids) pipeline.hgetall(keys.run(id));
  const replies = (await pipeline.exec()) ?? [];
  const runs: RunRecord[] = [];
  const gone: string[] = [];
  ids.forEach((id, index) => {
    const [error, hash] = replies[index] ?? [null, {}];
    const record = error ? undefined : decodeRunRecord(hash as Record<string, string>);
    if (record) runs.push(record);
    else if (!error) gone.push(id);
  });
  if (gone.length > 0) await redis.zrem(keys.runs, ...gone);
  return runs;
}

/** Polls the record until its status is final or timeoutMs passes; returns the last record seen. */
export async function waitForFinalRun(
  redis: Redis,
  runId: string,
  options: { timeoutMs: number; intervalMs?: number; signal?: AbortSignal },
): Promise<RunRecord | undefined> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const record = await getRun(redis, runId);
    if (!record || isFinalStatus(record.status) || Date.now() >= deadline || options.signal?.aborted) return record;
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 200));
  }
}
