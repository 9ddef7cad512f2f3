import { defaultArtifactMaxBytes, keepRunArtifacts } from '../queue/run-artifacts.js';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { systemClock } from '@ferry/engine';
import { Job, type Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { channels, keys } from '../queue/names.js';
import { markRunnerLost } from '../queue/record-scripts.js';
import type { RunJobData } from '../queue/run-request.js';
import { runDispatchLoop, Waker } from './dispatch-loop.js';
import { QueueFetcher } from './queue-fetcher.js';
import { RunAbort } from './run-abort.js';
import { RunDirTrash } from './run-dir-trash.js';
import { RunnerHeartbeat } from './runner-heartbeat.js';
import { RunnerMetrics } from './runner-metrics.js';
import { takeRun, type RunJobResult, type TakeRunContext } from './take-run.js';
import type { Runner, RunnerConfig, RunnerDeps } from './runner-types.js';
import { withTimeout } from './with-timeout.js';
import { lockWorkdir } from './workdir-lock.js';

export type { Runner, RunnerConfig, RunnerDeps, RunnerHealth, RunnerInfraDeps } from './runner-types.js';

/**
 * Starts a runner daemon in this process: registers it, then takes runs from every queue whose labels it
 * has, up to `concurrency` at once, until stop(). Everything it needs is injected; the caller closes nothing.
 */
export async function startRunner(deps: RunnerDeps, config: RunnerConfig): Promise<Runner> {
  const clock = deps.clock ?? systemClock;
  const log = deps.log ?? (() => undefined);
  const metrics = deps.metrics ?? new RunnerMetrics();
  metrics.capacity.set(config.concurrency);
  const unlock = await lockWorkdir(
    config.workdir,
    { id: config.id, host: config.host, pid: config.pid },
    deps.isProcessAlive,
  );

  // No auto-pipelining: a run's few commands seldom meet another's in one turn of the event loop, and each batch
  // would cost an ioredis Pipeline, which copies BullMQ's ~60 script commands (measured: 4.5 % of the CPU for
  // no fewer writes).
  const redis = deps.connect();
  const subscriber = deps.connect();
  const active = new Map<string, AbortController>();
  const inflight = new Set<Promise<void>>();
  const waker = new Waker();
  const startedAt = clock.now();
  let stopping = false;
  let redisReady = false;
  const timers: NodeJS.Timeout[] = [];

  let everReady = false;
  redis.on('ready', () => {
    // Not on the first connection: only a reconnection is news (a restart can come within a second of start).
    if (!redisReady && everReady) log('redis: connected again');
    redisReady = true;
    everReady = true;
    metrics.redisUp.set(1);
  });
  redis.on('error', () => undefined);
  redis.on('close', () => {
    if (redisReady && !stopping) log('redis: connection lost; runs go on, their events and results wait for it');
    redisReady = false;
    metrics.redisUp.set(0);
  });
  subscriber.on('error', () => undefined);
  let lastError = '';
  const onError = (error: Error) => {
    // Connection trouble is reported once by the 'close' handler; other errors once per distinct message.
    if (/ECONNREFUSED|Connection is closed|ECONNRESET|EPIPE/.test(error.message) || error.message === lastError) return;
    lastError = error.message;
    log(`error: ${error.message}`);
  };
  // After lockWorkdir, which empties runs/ (a dead runner's batches with it).
  const trash = new RunDirTrash(path.join(config.workdir, 'runs'), {
    onError: (error) => log(`cannot remove finished runs' directories: ${error.message}`),
  });
  const reapOrphans = async (when: string) => {
    const reaped = await deps.infra?.reapOrphans();
    if (reaped) log(`reaped ${reaped} containers left by dead runners (${when})`);
  };

  const fetcher = new QueueFetcher({
    connection: redis,
    runnerId: config.id,
    labels: config.labels,
    leaseMs: config.leaseMs,
    retryBackoffMs: config.retryBackoffMs,
    onError,
    onStalled: (queue, jobId, worker) => void onStalled(queue, jobId, worker),
  });

  /** This runner's stalled check moved a run back to wait: say so in the record now, and reap what is left here. */
  async function onStalled(queue: string, jobId: string, worker: Worker<RunJobData, RunJobResult>): Promise<void> {
    try {
      const job = await Job.fromId<RunJobData, RunJobResult>(worker, jobId);
      const retrying = !job?.deferredFailure;
      if (
        await markRunnerLost(redis, jobId, {
          now: clock.now(),
          retrying,
          eventsMaxLen: config.eventsMaxLen,
          retentionMs: config.retentionMs,
        })
      ) {
        metrics.runnersLost.inc();
        log(
          `run ${jobId}: its runner was lost (stalled lease on ${queue}); ${retrying ? 'queued again' : 'runner-lost'}`,
        );
      }
      // Back in wait: idle runners take it now rather than at their next poll.
      await redis.publish(channels.wake, queue);
      await reapOrphans(`run ${jobId} stalled`);
    } catch (error) {
      onError(error as Error);
    }
  }

  const refreshQueues = async () => {
    const added = await fetcher.serve(await redis.smembers(keys.queues));
    if (added.length > 0) log(`serving queues: ${fetcher.queues.join(', ')}`);
  };

  const heartbeat = new RunnerHeartbeat(
    redis,
    () => ({
      id: config.id,
      host: config.host,
      pid: config.pid,
      labels: config.labels,
      concurrency: config.concurrency,
      runs: [...active.keys()],
      startedAt,
      heartbeatAt: clock.now(),
      draining: stopping,
      version: config.version,
      ...(config.httpUrl ? { httpUrl: config.httpUrl } : {}),
    }),
    config.heartbeatMs,
    onError,
  );

  await reapOrphans('at start').catch((error: unknown) =>
    log(`cannot reap orphaned containers: ${(error as Error).message}`),
  );
  await subscriber.subscribe(channels.wake, channels.cancel);
  subscriber.on('message', (channel: string, message: string) => {
    if (channel === channels.cancel) {
      active.get(message)?.abort(new RunAbort('cancel', 'cancelled (ferry cancel)'));
      return;
    }
    // A label set new to this runner: serve its queue first (if the labels fit), then look.
    const ready = fetcher.queues.includes(message) ? Promise.resolve() : refreshQueues().catch(onError);
    void ready.finally(() => {
      waker.wakeups += 1;
      waker.wake();
    });
  });
  await heartbeat.beat();
  heartbeat.start();
  await refreshQueues();
  log(
    `runner ${config.id} ready: labels ${config.labels.join(',') || '(none)'}, concurrency ${config.concurrency}, queues ${fetcher.queues.join(', ') || '(none yet)'}`,
  );
  timers.push(
    setInterval(() => void refreshQueues().catch(onError), Math.max(1000, Math.min(5000, config.pollMs * 5))),
    setInterval(() => void reapOrphans('periodic').catch(onError), Math.max(5000, config.leaseMs * 2)),
  );

  const takeContext: TakeRunContext = {
    redis,
    runnerId: config.id,
    workdir: config.workdir,
    leaseMs: config.leaseMs,
    retryBackoffMs: config.retryBackoffMs,
    jobConcurrency: config.jobConcurrency,
    eventsMaxLen: config.eventsMaxLen,
    retentionMs: config.retentionMs,
    execute: {
      checkout: deps.checkout,
      createExecutor: deps.createExecutor,
      ...(deps.infra ? { infra: deps.infra } : {}),
      secrets: deps.secrets,
      metrics,
      clock,
      ...(deps.extraRunDeps ? { extraRunDeps: deps.extraRunDeps } : {}),
      discardDir: (dir) => trash.discard(dir),
      keepArtifacts: async (runId, archives) => {
        await keepRunArtifacts(redis, runId, archives, {
          retentionMs: config.retentionMs,
          maxBytes: config.artifactMaxBytes ?? defaultArtifactMaxBytes,
        }).then(
          (kept) =>
            log(
              `run ${runId}: artifacts kept: ${kept.map((a) => `${a.job} (${a.bytes} bytes${a.kept ? '' : `, not kept: ${a.reason ?? ''}`})`).join(', ')}`,
            ),
          (error: Error) => log(`run ${runId}: its artifacts could not be kept: ${error.message}`),
        );
      },
    },
    metrics,
    clock,
    log,
    // With one queue served there is no round robin to keep: completing a run takes the next one in the same
    // call, as a BullMQ worker does. With several, each fetch goes round them (fetcher.fetch).
    fetchNext: () => !stopping && fetcher.queues.length === 1,
    nextJob: (queue, completed, token) => fetcher.next(queue, completed, token),
    track: (runId, controller) => {
      active.set(runId, controller);
      heartbeat.soon();
      return () => {
        active.delete(runId);
        heartbeat.soon();
      };
    },
  };

  const loop = runDispatchLoop({
    fetcher,
    concurrency: config.concurrency,
    pollMs: config.pollMs,
    waker,
    inflight,
    isStopping: () => stopping,
    tokenFor: () => `${config.id}:${randomUUID()}`,
    take: ({ job, token }) =>
      takeRun(takeContext, job, token).catch((error: unknown) => {
        log(`run ${job.id}: ${(error as Error).stack ?? String(error)}`);
        return undefined;
      }),
    onError,
  });

  const cancelRuns = () => {
    for (const controller of active.values())
      controller.abort(new RunAbort('shutdown', `runner ${config.id} shut down before the run finished`));
  };
  let stopped: Promise<void> | undefined;
  const stop = (options: { graceMs?: number } = {}): Promise<void> =>
    (stopped ??= (async () => {
      stopping = true;
      waker.wake();
      // Redis may be away: nothing below waits for it for long.
      await withTimeout(heartbeat.beat().catch(onError), 2000);
      await withTimeout(loop, 5000);
      const graceMs = options.graceMs ?? 30_000;
      if (inflight.size > 0) {
        log(`stopping: waiting up to ${Math.round(graceMs / 1000)}s for ${inflight.size} run(s) to finish`);
        if (!(await withTimeout(Promise.allSettled(inflight), graceMs))) {
          log(`stopping: cancelling ${active.size} run(s) still going after the grace period`);
          cancelRuns();
          await withTimeout(Promise.allSettled(inflight), 60_000);
        }
      }
      for (const timer of timers) clearInterval(timer);
      await trash.flush();
      await heartbeat.stop(config.id);
      await withTimeout(fetcher.close(), 5000);
      await Promise.all([quit(subscriber), quit(redis)]);
      await unlock();
      log(`runner ${config.id} stopped`);
    })());

  return {
    id: config.id,
    metrics,
    health: () => ({
      ok: !stopping,
      id: config.id,
      redis: redisReady ? 'up' : 'down',
      draining: stopping,
      runs: [...active.keys()],
      queues: fetcher.queues,
    }),
    stop,
    cancelRuns,
  };
}

async function quit(redis: Redis): Promise<void> {
  if (
    !(await withTimeout(
      redis.quit().catch(() => undefined),
      2000,
    ))
  )
    redis.disconnect();
}
