import type { Job } from 'bullmq';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { holdLease } from '../../../packages/runner/src/worker/lease.js';

function fakeJob(answers: (number | Error)[]): Job & { calls: number } {
  const job = {
    calls: 0,
    extendLock: vi.fn(async () => {
      const answer = answers[Math.min(job.calls, answers.length - 1)] as number | Error;
      job.calls += 1;
      if (answer instanceof Error) throw answer;
      return answer;
    }),
  };
  return job as unknown as Job & { calls: number };
}

describe('holding a lease', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('renews the lock every third of its duration, and checks for cancellation each time', async () => {
    const job = fakeJob([1]);
    const onRenew = vi.fn(async () => undefined);
    const lease = holdLease(job, 'token', { durationMs: 3000, onLost: () => undefined, onRenew });
    await vi.advanceTimersByTimeAsync(3100);
    expect(job.extendLock).toHaveBeenCalledTimes(3);
    expect(job.extendLock).toHaveBeenCalledWith('token', 3000);
    expect(onRenew).toHaveBeenCalledTimes(3);
    lease.stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(job.extendLock).toHaveBeenCalledTimes(3);
  });

  it('reports the lease lost when the lock is gone, once, and stops renewing', async () => {
    const job = fakeJob([1, 0]);
    const onLost = vi.fn();
    const lease = holdLease(job, 'token', { durationMs: 300, onLost });
    await vi.advanceTimersByTimeAsync(1000);
    expect(onLost).toHaveBeenCalledTimes(1);
    expect(lease.lost).toBe(true);
    expect(job.extendLock).toHaveBeenCalledTimes(2);
  });

  it('rides out errors (Redis away) without declaring the lease lost', async () => {
    const job = fakeJob([new Error('Connection is closed.'), 1]);
    const onLost = vi.fn();
    const onError = vi.fn();
    const lease = holdLease(job, 'token', { durationMs: 300, onLost, onError });
    await vi.advanceTimersByTimeAsync(250);
    expect(onError).toHaveBeenCalledTimes(1);
    expect(onLost).not.toHaveBeenCalled();
    expect(lease.lost).toBe(false);
    lease.stop();
  });
});
