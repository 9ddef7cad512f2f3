import type { Redis } from 'ioredis';
import { keys } from './names.js';

/** A runner as its heartbeat describes it (hash `ferry:runner:<id>`, which expires when the heartbeat stops). */
export interface RunnerInfo {
  id: string;
  host: string;
  pid: number;
  labels: string[];
  concurrency: number;
  /** Ids of the runs it is executing. */
  runs: string[];
  startedAt: number;
  heartbeatAt: number;
  /** It got SIGTERM: it finishes its runs and takes no new ones. */
  draining: boolean;
  version: string;
  /** Where its /healthz and /metrics are served, if anywhere. */
  httpUrl?: string;
}

export function encodeRunnerInfo(info: RunnerInfo): string[] {
  return [
    'id',
    info.id,
    'host',
    info.host,
    'pid',
    String(info.pid),
    'labels',
    JSON.stringify(info.labels),
    'concurrency',
    String(info.concurrency),
    'runs',
    JSON.stringify(info.runs),
    'startedAt',
    String(info.startedAt),
    'heartbeatAt',
    String(info.heartbeatAt),
    'draining',
    info.draining ? '1' : '0',
    'version',
    info.version,
    ...(info.httpUrl ? ['httpUrl', info.httpUrl] : []),
  ];
}

export function decodeRunnerInfo(hash: Record<string, string>): RunnerInfo | undefined {
  if (!hash.id) return undefined;
  const list = (text: string | undefined): string[] => {
    try {
      const value: unknown = JSON.parse(text ?? '[]');
      return Array.isArray(value) ? value.map(String) : [];
    } catch {
      return [];
    }
  };
  return {
    id: hash.id,
    host: hash.host ?? '',
    pid: Number(hash.pid ?? 0),
    labels: list(hash.labels),
    concurrency: Number(hash.concurrency ?? 0),
    runs: list(hash.runs),
    startedAt: Number(hash.startedAt ?? 0),
    heartbeatAt: Number(hash.heartbeatAt ?? 0),
    draining: hash.draining === '1',
    version: hash.version ?? '',
    ...(hash.httpUrl ? { httpUrl: hash.httpUrl } : {}),
  };
}

/** Live runners, by id. A runner whose heartbeat expired is dropped from the index on the way. */
export async function listRunners(redis: Redis): Promise<RunnerInfo[]> {
  const ids = await redis.zrange(keys.runners, 0, -1);
  if (ids.length === 0) return [];
  const pipeline = redis.pipeline();
  for (const id of ids) pipeline.hgetall(keys.runner(id));
  const replies = (await pipeline.exec()) ?? [];
  const runners: RunnerInfo[] = [];
  const gone: string[] = [];
  ids.forEach((id, index) => {
    const [error, hash] = replies[index] ?? [null, {}];
    const info = error ? undefined : decodeRunnerInfo(hash as Record<string, string>);
    if (info) runners.push(info);
    else if (!error) gone.push(id);
  });
  if (gone.length > 0) await redis.zrem(keys.runners, ...gone);
  return runners.sort((a, b) => a.id.localeCompare(b.id));
}
