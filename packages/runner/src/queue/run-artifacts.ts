import { stat, readFile } from 'node:fs/promises';
import type { Redis } from 'ioredis';
import { keys } from './names.js';

/** One job's artifact archive as the API lists it. */
export interface RunArtifact {
  job: string;
  /** The artifact's `name:` (GitHub's upload-artifact name), when it has one. */
  name?: string;
  /** Size of the tar archive in bytes. */
  bytes: number;
  /** Whether it can be downloaded; an archive over the size limit is listed with why it was not kept. */
  kept: boolean;
  reason?: string;
}

export interface KeepArtifactsOptions {
  /** How long the archives stay: as long as the run record. */
  retentionMs: number;
  /** The largest archive kept; a larger one is listed as not kept. */
  maxBytes: number;
}

/** 16 MiB: archives live in Redis, next to the run, so that `ferry serve` on another host can hand them out. */
export const defaultArtifactMaxBytes = 16 * 1024 * 1024;

/**
 * Stores a run's artifact archives (tar files written by the engine) in Redis, where `ferry serve` reads them
 * on any host: an index hash of job → metadata and one string key per archive, all expiring with the run.
 * A later attempt's archives replace an earlier one's.
 */
export async function keepRunArtifacts(
  redis: Redis,
  runId: string,
  archives: readonly { job: string; file: string; name?: string }[],
  options: KeepArtifactsOptions,
): Promise<RunArtifact[]> {
  const listed: RunArtifact[] = [];
  const seconds = Math.ceil(options.retentionMs / 1000);
  const multi = redis.multi().del(keys.artifacts(runId));
  for (const [index, { job, file, name }] of archives.entries()) {
    const bytes = (await stat(file)).size;
    const kept = bytes <= options.maxBytes;
    const named = name !== undefined ? { name } : {};
    const entry: RunArtifact = kept
      ? { job, ...named, bytes, kept }
      : { job, ...named, bytes, kept, reason: `over the ${options.maxBytes} bytes an archive may have` };
    listed.push(entry);
    if (kept) multi.set(keys.artifact(runId, index), await readFile(file), 'EX', seconds);
    multi.hset(keys.artifacts(runId), job, JSON.stringify({ ...entry, index }));
  }
  if (archives.length > 0) multi.expire(keys.artifacts(runId), seconds);
  await multi.exec();
  return listed;
}

/** The run's artifacts, by job id; none when the run kept none (or they expired). */
export async function listRunArtifacts(redis: Redis, runId: string): Promise<RunArtifact[]> {
  const all = await redis.hgetall(keys.artifacts(runId));
  return Object.values(all)
    .map((json) => {
      const { index: _index, ...artifact } = JSON.parse(json) as RunArtifact & { index: number };
      return artifact;
    })
    .sort((a, b) => a.job.localeCompare(b.job));
}

/** One job's archive, or undefined when there is none (never kept, over the limit, expired). */
export async function readRunArtifact(redis: Redis, runId: string, job: string): Promise<Buffer | undefined> {
  const json = await redis.hget(keys.artifacts(runId), job);
  if (json === null) return undefined;
  const { index, kept } = JSON.parse(json) as { index: number; kept: boolean };
  if (!kept) return undefined;
  return (await redis.getBuffer(keys.artifact(runId, index))) ?? undefined;
}
