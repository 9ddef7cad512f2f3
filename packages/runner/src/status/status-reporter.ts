import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { BULLMQ_PREFIX, keys } from '../queue/names.js';
import { decodeRunRecord, isFinalStatus } from '../queue/run-record.js';
import { printable } from '../printable.js';
import {
  statusContext,
  statusOfRun,
  statusRequest,
  type CommitState,
  type StatusForge,
  type StatusTarget,
} from './commit-status.js';
import { checkRunRequest } from './check-run.js';

/** The BullMQ queue of status deliveries, and the Redis keys of the runs whose statuses are still followed. */
export const statusQueueName = 'ferry-statuses';
export const statusKeys = {
  /** Hash: where the run's statuses go (forge, repo, sha, context), the last status queued and its number. */
  run: (runId: string) => `ferry:status:${runId}`,
  /** Set of run ids whose final status is not queued yet. */
  open: 'ferry:statuses:open',
  /** String with a short TTL: a delivery is creating the run's GitHub check run; the others wait for its id. */
  creating: (runId: string) => `ferry:status:${runId}:creating`,
} as const;

/** A forge's (or one repository's) status endpoint and token; tokens stay in this process, never in Redis. */
export interface StatusEndpoint {
  api: string;
  token: string;
  /** GitHub: the token is a GitHub App installation token; runs are reported as check runs (Checks API). */
  checks?: boolean;
}

export interface StatusSettings {
  /** Base URL of Ferry's web page; each status links to `<url>/runs/<id>`. */
  publicUrl?: string;
  forges: Partial<Record<StatusForge, StatusEndpoint>>;
  /** Per repository: its own endpoint, or `false` for no statuses. Names match case-insensitively. */
  repositories: { forge?: StatusForge; name: string; status: StatusEndpoint | false }[];
}

/** What one queued delivery carries: no token (it is looked up when the delivery is made). */
export interface StatusJobData {
  runId: string;
  seq: number;
  forge: StatusForge;
  repo: string;
  sha: string;
  state: CommitState;
  description: string;
  context: string;
  targetUrl?: string;
}

export interface StatusReporterOptions {
  /** Commands (the shared connection). */
  redis: Redis;
  /** A new connection for the BullMQ worker (it blocks). */
  connection: () => Redis;
  settings: StatusSettings;
  log: (line: string) => void;
  /** How often open runs are looked at. */
  pollMs?: number;
  /** First retry delay; doubles each time (8 attempts in all). */
  backoffMs?: number;
  fetch?: typeof fetch;
}

/** The endpoint for a repository: its own entry wins over its forge's; none when statuses are off or unset. */
export function statusEndpointFor(
  settings: StatusSettings,
  forge: StatusForge,
  repo: string,
): StatusEndpoint | undefined {
  const entry = settings.repositories.find(
    (r) => (r.forge === undefined || r.forge === forge) && r.name.toLowerCase() === repo.toLowerCase(),
  );
  if (entry) return entry.status === false ? undefined : entry.status;
  return settings.forges[forge];
}

/**
 * Reports each forge-triggered run's commit status, from `ferry serve` (it has the forge tokens and sees every
 * run; runners never hold them). `track` registers a run; a poll of the open runs' records turns each change
 * (queued → running → the outcome) into a delivery on a BullMQ queue, so that deliveries are retried with
 * backoff and survive a restart of the server. A forge that answers 4xx (but 408/429) is logged with its reason
 * and not retried; a delivery older than one already made is skipped, so a retried `pending` never overwrites
 * the outcome.
 */
export class StatusReporter {
  readonly #queue: Queue<StatusJobData>;
  #worker: Worker<StatusJobData> | undefined;
  #workerConnection: Redis | undefined;
  #timer: NodeJS.Timeout | undefined;
  #ticking: Promise<void> | undefined;
  #closed = false;

  constructor(private readonly options: StatusReporterOptions) {
    this.#queue = new Queue<StatusJobData>(statusQueueName, { connection: options.redis, prefix: BULLMQ_PREFIX });
    this.#queue.on('error', () => undefined);
  }

  /** Follows the run's statuses when its repository has a status endpoint; returns whether it does. */
  async track(runId: string, target: { forge: StatusForge; repo: string; sha: string; pipeline?: string }) {
    if (!statusEndpointFor(this.options.settings, target.forge, target.repo)) return false;
    await this.options.redis
      .multi()
      .hset(statusKeys.run(runId), {
        forge: target.forge,
        repo: target.repo,
        sha: target.sha,
        context: statusContext(target.pipeline),
      })
      .sadd(statusKeys.open, runId)
      .exec();
    void this.tick();
    return true;
  }

  start(): void {
    this.#workerConnection = this.options.connection();
    this.#workerConnection.on('error', () => undefined);
    this.#worker = new Worker<StatusJobData>(statusQueueName, (job) => this.#deliver(job), {
      connection: this.#workerConnection,
      prefix: BULLMQ_PREFIX,
      concurrency: 4,
    });
    this.#worker.on('error', () => undefined);
    this.#worker.on('failed', (job, error) => {
      if (!job || error instanceof UnrecoverableError) return;
      const left = (job.opts.attempts ?? 1) - job.attemptsMade;
      this.options.log(
        `${this.#where(job.data)}: ${error.message}; ${left > 0 ? `retrying (${left} attempt${left === 1 ? '' : 's'} left)` : 'giving up'}`,
      );
    });
    const loop = () => {
      if (this.#closed) return;
      this.#timer = setTimeout(() => {
        void this.tick().finally(loop);
      }, this.options.pollMs ?? 300);
    };
    loop();
  }

  /** Looks at every open run once and queues a delivery for each status that changed. */
  tick(): Promise<void> {
    this.#ticking ??= this.#tick()
      .catch((error: Error) => this.options.log(`statuses: ${error.message}`))
      .finally(() => {
        this.#ticking = undefined;
      });
    return this.#ticking;
  }

  async #tick(): Promise<void> {
    const { redis } = this.options;
    const ids = await redis.smembers(statusKeys.open);
    if (ids.length === 0) return;
    const read = redis.pipeline();
    for (const id of ids) read.hgetall(statusKeys.run(id)).hgetall(keys.run(id));
    const replies = (await read.exec()) ?? [];
    for (const [index, id] of ids.entries()) {
      const tracked = (replies[index * 2]?.[1] ?? {}) as Record<string, string>;
      const record = decodeRunRecord((replies[index * 2 + 1]?.[1] ?? {}) as Record<string, string>);
      if (!record || !tracked.forge) {
        await redis.srem(statusKeys.open, id);
        continue;
      }
      const status = statusOfRun(record);
      const shown = `${status.state}|${status.description}`;
      if (shown === tracked.queued) continue;
      const seq = await redis.hincrby(statusKeys.run(id), 'seq', 1);
      const data: StatusJobData = {
        runId: id,
        seq,
        forge: tracked.forge as StatusForge,
        repo: tracked.repo ?? '',
        sha: tracked.sha ?? record.sha,
        state: status.state,
        description: status.description,
        context: tracked.context ?? statusContext(record.pipeline),
        ...(this.options.settings.publicUrl
          ? { targetUrl: `${this.options.settings.publicUrl.replace(/\/+$/, '')}/runs/${id}` }
          : {}),
      };
      await this.#queue.add('status', data, {
        jobId: `${id}-${seq}`,
        attempts: 8,
        backoff: { type: 'exponential', delay: this.options.backoffMs ?? 1000 },
        removeOnComplete: 1000,
        removeOnFail: 1000,
      });
      const write = redis.multi().hset(statusKeys.run(id), 'queued', shown);
      if (isFinalStatus(record.status)) write.srem(statusKeys.open, id).expire(statusKeys.run(id), 7 * 24 * 3600);
      await write.exec();
    }
  }

  #where(data: StatusJobData): string {
    return `status ${data.state} of run ${data.runId} → ${data.forge} ${printable(data.repo)}@${data.sha.slice(0, 12)}`;
  }

  async #deliver(job: Job<StatusJobData>): Promise<void> {
    const data = job.data;
    const { redis } = this.options;
    const delivered = Number((await redis.hget(statusKeys.run(data.runId), 'delivered')) ?? 0);
    if (delivered >= data.seq) return; // a newer status is on the forge already
    const endpoint = statusEndpointFor(this.options.settings, data.forge, data.repo);
    if (!endpoint) {
      this.options.log(`${this.#where(data)}: no status token configured any more; dropped`);
      return;
    }
    const target: StatusTarget = {
      forge: data.forge,
      api: endpoint.api,
      repo: data.repo,
      sha: data.sha,
      token: endpoint.token,
    };
    const status = {
      state: data.state,
      description: data.description,
      context: data.context,
      ...(data.targetUrl !== undefined ? { targetUrl: data.targetUrl } : {}),
    };
    // A GitHub App token reports check runs: the first delivery creates the run's, the later ones update it.
    const checks = data.forge === 'github' && endpoint.checks === true;
    let creating = false;
    let request: { method: string; url: string; headers: Record<string, string>; body: unknown };
    if (checks) {
      const checkRunId = (await redis.hget(statusKeys.run(data.runId), 'checkRun')) ?? undefined;
      if (checkRunId === undefined) {
        creating = (await redis.set(statusKeys.creating(data.runId), String(data.seq), 'PX', 15_000, 'NX')) !== null;
        if (!creating) throw new Error('its check run is being created by another delivery');
      }
      request = checkRunRequest(target, status, {
        runId: data.runId,
        now: Date.now(),
        ...(checkRunId !== undefined ? { checkRunId } : {}),
      });
    } else request = { method: 'POST', ...statusRequest(target, status) };
    let response: Response;
    try {
      response = await (this.options.fetch ?? fetch)(request.url, {
        method: request.method,
        headers: request.headers,
        body: JSON.stringify(request.body),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (error) {
      if (creating) await redis.del(statusKeys.creating(data.runId));
      throw new Error(
        `forge unreachable: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}`,
      );
    }
    const text = await response.text().catch(() => '');
    if (creating) {
      const id = response.ok ? idOf(text) : undefined;
      const write = redis.multi().del(statusKeys.creating(data.runId));
      if (id !== undefined) write.hset(statusKeys.run(data.runId), 'checkRun', id);
      await write.exec();
    }
    if (response.ok) {
      await redis.eval(
        "if tonumber(redis.call('HGET', KEYS[1], 'delivered') or '0') < tonumber(ARGV[1]) then redis.call('HSET', KEYS[1], 'delivered', ARGV[1]) end",
        1,
        statusKeys.run(data.runId),
        String(data.seq),
      );
      this.options.log(`${this.#where(data)}: ${response.status}`);
      return;
    }
    const reason = `${response.status} ${printable(reasonOf(text)).slice(0, 200)}`;
    if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
      this.options.log(`${this.#where(data)}: the forge refused it: ${reason}; not retried`);
      throw new UnrecoverableError(reason);
    }
    throw new Error(`the forge answered ${reason}`);
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#ticking;
    await this.#worker?.close();
    this.#workerConnection?.disconnect();
    await this.#queue.close();
  }
}

/** The id of the check run GitHub created (its answer's `id`). */
function idOf(text: string): string | undefined {
  try {
    const id = (JSON.parse(text) as { id?: unknown }).id;
    return typeof id === 'number' || typeof id === 'string' ? String(id) : undefined;
  } catch {
    return undefined;
  }
}

/** The forge's error message when its body is JSON (`{"message": …}`), else the body's first line. */
function reasonOf(text: string): string {
  try {
    const body = JSON.parse(text) as { message?: unknown };
    if (typeof body.message === 'string') return body.message;
  } catch {
    // not JSON
  }
  return text.split('\n')[0] ?? '';
}
