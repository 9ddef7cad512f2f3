import type { Job } from 'bullmq';
import type { RunJobData } from '../queue/run-request.js';
import type { RunJobResult, TakeRunContext } from './take-run-types.js';

/** Completing fails when the lock was lost meanwhile; the final record then stands for the result. */
export async function completeJob(
  ctx: TakeRunContext,
  job: Job<RunJobData, RunJobResult>,
  token: string,
  result: RunJobResult,
): Promise<void> {
  await job
    .moveToCompleted(result, token, false)
    .catch((error: unknown) => ctx.log(`run ${job.id}: cannot complete the queue job: ${(error as Error).message}`));
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
