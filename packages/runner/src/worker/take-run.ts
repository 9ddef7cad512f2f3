import path from 'node:path';
import { UnrecoverableError, type Job } from 'bullmq';
import { BULLMQ_PREFIX, keys } from '../queue/names.js';
import { claimRunRecord, finishRunRecord, markRunnerLost, updateOwnedRunRecord } from '../queue/record-scripts.js';
import { newRunRecord, type RunRecord, type RunRecordStatus } from '../queue/run-record.js';
import { runJobDataSchema, type RunJobData } from '../queue/run-request.js';
import { EventPublisher } from './event-publisher.js';
import { executeRun, type ExecuteOutcome } from './execute-run.js';
import { holdLease } from './lease.js';
import { retryDelayMs } from './retry-backoff.js';
import { RunAbort } from './run-abort.js';
import type { FetchedJob, RunJobResult, TakeRunContext } from './take-run-types.js';
import { completeJob, failJob } from './settle-queue-job.js';

export type { RunJobResult, TakeRunContext } from './take-run-types.js';

/**
 * Everything a runner does with a job it took: settle what a lost runner left, claim the record, run one
 * attempt while holding the lease, then report. The report writes the record (guarded by the lease token)
 * before it completes the BullMQ job, so that a runner dying in between leaves a final record, which the
 * next taker reports instead of running the pipeline again.
 */
export async function takeRun(
  ctx: TakeRunContext,
  job: Job<RunJobData, RunJobResult>,
  token: string,
): Promise<FetchedJob | undefined> {
  const runId = job.id as string;
  const { redis, metrics, clock } = ctx;
  metrics.runsTaken.inc({ queue: job.queueName });
  const parsed = runJobDataSchema.safeParse(job.data);
  if (!parsed.success) {
    ctx.log(`run ${runId}: unreadable job data, failing it: ${parsed.error.issues[0]?.message ?? ''}`);
    await job.moveToFailed(
      new UnrecoverableError('unreadable run request (queued by an incompatible version?)'),
      token,
      false,
    );
    return;
  }
  const { request, enqueuedAt } = parsed.data;
  const policy = { retentionMs: ctx.retentionMs, eventsMaxLen: ctx.eventsMaxLen };
  const fallback = newRunRecord(runId, request, job.queueName, enqueuedAt, undefined);

  if (job.stalledCounter > 0 || job.deferredFailure) {
    // A runner was lost holding this run. The stalled check may already have said so; if not, say it now.
    if (await markRunnerLost(redis, runId, { now: clock.now(), retrying: !job.deferredFailure, ...policy }))
      metrics.runnersLost.inc();
  }
  if (job.deferredFailure) {
    await ctx.execute.infra?.reap(runId).catch(() => undefined);
    // BullMQ's verdict: it stalled more often than maxStalledCount allows.
    const claim = await claimRunRecord(redis, runId, token, ctx.runnerId, clock.now(), fallback);
    if (claim.outcome !== 'final') {
      await finish(
        ctx,
        { job, token, attempt: claim.attempt, fallback },
        { status: 'runner-lost', reason: `its runner was lost ${job.stalledCounter} times` },
        { finishedAt: clock.now() },
      );
    }
    await job.moveToFailed(new UnrecoverableError(`runner-lost: ${job.deferredFailure}`), token, false);
    metrics.runsFinished.inc({ status: 'runner-lost' });
    ctx.log(`run ${runId}: runner-lost (stalled ${job.stalledCounter} times)`);
    return;
  }

  const takenAt = clock.now();
  const waitedMs = Math.max(0, takenAt - enqueuedAt);
  const claim = await claimRunRecord(redis, runId, token, ctx.runnerId, takenAt, fallback, {
    waitedMs,
    eventsMaxLen: ctx.eventsMaxLen,
  });
  if (claim.outcome === 'final') {
    // Finished by an attempt whose runner died before it completed the job: report, do not run again.
    const record = await redis.hgetall(keys.run(runId));
    await completeJob(ctx, job, token, { status: (record.status as RunRecordStatus | undefined) ?? 'success' });
    return;
  }
  if (claim.outcome === 'cancel') {
    await finish(
      ctx,
      { job, token, attempt: claim.attempt, fallback },
      { status: 'cancelled', reason: 'cancelled before it started' },
      { finishedAt: clock.now() },
    );
    await completeJob(ctx, job, token, { status: 'cancelled' });
    metrics.runsFinished.inc({ status: 'cancelled' });
    return;
  }

  const attempt = claim.attempt;
  const controller = new AbortController();
  const untrack = ctx.track(runId, controller);
  const publisher = new EventPublisher(redis, runId, attempt, ctx.eventsMaxLen, metrics);
  let forgotten = false;
  let lostCheck: Promise<void> | undefined;
  const lease = holdLease(job, token, {
    durationMs: ctx.leaseMs,
    onLost: () => {
      // Lost to another runner (the job is still queued): stop, that runner holds the run now. Or Redis lost its
      // data (restarted without persistence): nobody else can take the run, so finish it and record the result.
      lostCheck = redis.exists(`${BULLMQ_PREFIX}:${job.queueName}:${runId}`).then(
        (exists) => {
          if (exists)
            controller.abort(
              new RunAbort('lease-lost', `runner ${ctx.runnerId} lost its lease on the run (it was declared stalled)`),
            );
          else {
            forgotten = true;
            ctx.log(
              `run ${runId}: Redis no longer knows the run (restarted without persistence?); finishing it anyway`,
            );
          }
        },
        () => controller.abort(new RunAbort('lease-lost', `runner ${ctx.runnerId} lost its lease on the run`)),
      );
    },
    onRenew: async () => {
      if (!controller.signal.aborted && (await redis.hexists(keys.run(runId), 'cancelRequestedAt'))) {
        controller.abort(new RunAbort('cancel', 'cancelled (ferry cancel)'));
      }
    },
    onError: (error) => ctx.log(`run ${runId}: lease renewal failed: ${error.message}`),
  });
  const endRun = metrics.runDuration.startTimer();
  metrics.activeRuns.inc();
  if (claim.previousStatus === 'queued' && attempt === 1) metrics.queueWait.observe(waitedMs / 1000);
  // The claim appended the attempt's `attempt.started` event.
  metrics.eventsPublished.inc();
  ctx.log(`run ${runId}: attempt ${attempt} started (${request.repo} ${request.sha.slice(0, 12)})`);

  let outcome: ExecuteOutcome;
  try {
    // An earlier attempt's containers (a lost runner's, here or elsewhere on this host) carry the same names:
    // they go before this attempt makes its own.
    if (attempt > 1) await ctx.execute.infra?.reap(runId).catch(() => undefined);
    outcome = await executeRun(ctx.execute, {
      runId,
      request,
      runDir: path.join(ctx.workdir, 'runs', runId),
      jobConcurrency: ctx.jobConcurrency,
      signal: controller.signal,
      onEvent: (event) => publisher.publish(event),
    });
  } catch (error) {
    outcome = { kind: 'invalid', reason: `internal error (please report): ${(error as Error).stack ?? String(error)}` };
  } finally {
    lease.stop();
    untrack();
    metrics.activeRuns.dec();
  }
  await publisher.flush();
  await lostCheck;
  if (lease.lost && !forgotten) {
    ctx.log(`run ${runId}: abandoned: the lease was lost, another runner may hold the run now`);
    endRun({ status: 'abandoned' });
    return;
  }
  if (forgotten && outcome.kind === 'infra') {
    // No job is left to retry: an infrastructure failure is final.
    outcome = { kind: 'invalid', reason: `${outcome.error.code}: ${outcome.error.message}` };
  }
  const attemptState: AttemptState = { job, token, attempt, fallback, signal: controller.signal, publisher };
  const status = await metrics.time('report', () => report(ctx, attemptState, outcome));
  endRun({ status });
  ctx.log(`run ${runId}: ${status}`);
  return attemptState.next;
}

/** What the report of one attempt needs. */
interface AttemptState {
  job: Job<RunJobData, RunJobResult>;
  token: string;
  attempt: number;
  /** The record to recreate should Redis have lost it. */
  fallback: RunRecord;
  signal: AbortSignal;
  publisher: EventPublisher;
  /** The next job of the queue, when the completion took one (fetchNext). */
  next?: FetchedJob;
}

async function report(
  ctx: TakeRunContext,
  state: AttemptState,
  outcome: ExecuteOutcome,
): Promise<RunRecordStatus | 'retrying'> {
  const { job, token, attempt, signal, publisher } = state;
  const runId = job.id as string;
  const now = ctx.clock.now();
  if (outcome.kind === 'finished') {
    const reason =
      outcome.status === 'cancelled' && signal.reason instanceof RunAbort ? signal.reason.message : undefined;
    const lost = publisher.failures > 0 ? `; ${publisher.failures} events could not be stored` : '';
    await finish(
      ctx,
      state,
      {
        status: outcome.status,
        durationMs: outcome.durationMs,
        ...(reason || lost ? { reason: `${reason ?? ''}${lost}`.replace(/^; /, '') } : {}),
      },
      {
        finishedAt: now,
        durationMs: outcome.durationMs,
        jobs: outcome.jobs,
        ...(outcome.planHash ? { planHash: outcome.planHash } : {}),
        ...(outcome.pipelineName ? { pipelineName: outcome.pipelineName } : {}),
      },
    );
    const fetchNext = ctx.fetchNext?.(job.queueName) ?? false;
    const completed = await completeJob(
      ctx,
      job,
      token,
      { status: outcome.status, durationMs: outcome.durationMs, jobs: outcome.jobs },
      fetchNext,
    );
    if (fetchNext)
      state.next = await ctx.nextJob?.(job.queueName, completed, token).catch((error: unknown) => {
        ctx.log(`run ${runId}: cannot read the next job of ${job.queueName}: ${(error as Error).message}`);
        return undefined;
      });
    ctx.metrics.runsFinished.inc({ status: outcome.status });
    return outcome.status;
  }
  if (outcome.kind === 'invalid') {
    await finish(ctx, state, { status: 'error', reason: outcome.reason }, { finishedAt: now });
    await failJob(ctx, job, token, new UnrecoverableError(outcome.reason));
    ctx.metrics.runsFinished.inc({ status: 'error' });
    return 'error';
  }
  ctx.metrics.infraFailures.inc({ code: outcome.error.code });
  const retries = job.attemptsMade + 1;
  const retryInMs = retries < (job.opts.attempts ?? 1) ? retryDelayMs(retries, ctx.retryBackoffMs) : undefined;
  publisher.publish({
    type: 'attempt.failed',
    attempt,
    reason: outcome.error.message,
    ...(retryInMs !== undefined ? { retryInMs } : {}),
    time: now,
    runId,
  });
  await publisher.flush();
  // Retrying needs the record (and so the job) still there; a Redis that lost both makes the failure final.
  if (
    retryInMs !== undefined &&
    (await updateOwnedRunRecord(ctx.redis, runId, token, {
      status: 'retrying',
      reason: `${outcome.error.code}: ${outcome.error.message}`,
    }))
  ) {
    await failJob(ctx, job, token, outcome.error);
    return 'retrying';
  }
  const reason = `${outcome.error.code}: ${outcome.error.message} (gave up after ${retries} attempts)`;
  await finish(ctx, state, { status: 'error', reason }, { finishedAt: now });
  await failJob(ctx, job, token, new UnrecoverableError(reason));
  ctx.metrics.runsFinished.inc({ status: 'error' });
  return 'error';
}

/**
 * Writes the final status and the `run.result` entry, if this attempt still holds the run. A record Redis lost
 * (restarted without persistence) is recreated from the request first, so the result has a home.
 */
async function finish(
  ctx: TakeRunContext,
  state: Pick<AttemptState, 'job' | 'token' | 'attempt' | 'fallback'>,
  result: { status: RunRecordStatus; reason?: string; durationMs?: number },
  fields: Partial<RunRecord>,
): Promise<void> {
  const runId = state.job.id as string;
  const write = (attempt: number) =>
    finishRunRecord(ctx.redis, runId, {
      token: state.token,
      attempt,
      result: { type: 'run.result', ...result, time: ctx.clock.now(), runId },
      fields,
      retentionMs: ctx.retentionMs,
      eventsMaxLen: ctx.eventsMaxLen,
    });
  if (await write(state.attempt)) return;
  if (!(await ctx.redis.exists(keys.run(runId)))) {
    const claim = await claimRunRecord(ctx.redis, runId, state.token, ctx.runnerId, ctx.clock.now(), state.fallback);
    if (claim.outcome !== 'final' && (await write(claim.attempt))) {
      ctx.log(`run ${runId}: Redis had lost the run's record; recreated it with the result`);
      return;
    }
  }
  ctx.log(`run ${runId}: not recording ${result.status}: another attempt holds the run`);
}
