import type { Job } from 'bullmq';
import type { RunJobData } from '../queue/run-request.js';
import type { RunJobResult, TakeRunContext } from './take-run-types.js';

/**
 * Completing fails when the lock was lost meanwhile; the final record then stands for the result. With
 * `fetchNext` the same call takes the queue's next job (locked with the same token): BullMQ's answer for it.
 */
export async function completeJob(
  ctx: TakeRunContext,
  job: Job<RunJobData, RunJobResult>,
  token: string,
  result: RunJobResult,
  fetchNext = false,
): Promise<unknown> {
  return job.moveToCompleted(result, token, fetchNext).catch((error: unknown) => {
    ctx.log(`run ${job.id}: cannot complete the queue job: ${(error as Error).message}`);
    return undefined;
  });
}

export async function failJob(
  ctx: TakeRunContext,
  job: Job<RunJobData, RunJobResult>,
  token: string,
  error: Error,
): Promise<void> {
  await job
    .moveToFailed(error, token, false)
    .catch((failure: unknown) => ctx.log(`run ${job.id}: cannot fail the queue job: ${(failure as Error).message}`));
}
