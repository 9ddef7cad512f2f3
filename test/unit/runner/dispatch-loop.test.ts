import type { Job } from 'bullmq';
import { describe, expect, it, vi } from 'vitest';
import { runDispatchLoop, Waker } from '../../../packages/runner/src/worker/dispatch-loop.js';
import type { FetchedJob, QueueFetcher } from '../../../packages/runner/src/worker/queue-fetcher.js';

function fetched(id: string): FetchedJob & { moveToWait: ReturnType<typeof vi.fn> } {
  const moveToWait = vi.fn(async () => undefined);
  return { job: { id, moveToWait } as unknown as Job, token: `t-${id}`, queue: 'runs', moveToWait };
}

/** A fetcher that hands out `jobs` in order, then nothing. */
function fakeFetcher(jobs: FetchedJob[]): QueueFetcher & { fetches: number } {
  const fetcher = {
    fetches: 0,
    fetch: vi.fn(async () => {
      fetcher.fetches += 1;
      return jobs.shift();
    }),
  };
  return fetcher as unknown as QueueFetcher & { fetches: number };
}

describe('the dispatch loop', () => {
  it("hands a run's slot to the next job its completion took, without fetching it", async () => {
    const [a, b, c] = [fetched('a'), fetched('b'), fetched('c')];
    const fetcher = fakeFetcher([a]);
    const taken: string[] = [];
    let stopping = false;
    const inflight = new Set<Promise<void>>();
    const waker = new Waker();
    const loop = runDispatchLoop({
      fetcher,
      concurrency: 1,
      pollMs: 10,
      waker,
      inflight,
      isStopping: () => stopping,
      tokenFor: () => 'token',
      take: async ({ job }) => {
        taken.push(String(job.id));
        // a's completion takes b, b's takes c, c's finds the queue empty.
        return { a: b, b: c, c: undefined }[String(job.id) as 'a' | 'b' | 'c'];
      },
      onError: (error) => {
        throw error;
      },
    });
    await vi.waitFor(() => expect(taken).toEqual(['a', 'b', 'c']));
    stopping = true;
    waker.wake();
    await loop;
    await Promise.all(inflight);
    // The fetcher only ever had a: b and c came with the completions.
    expect(taken).toEqual(['a', 'b', 'c']);
    expect(inflight.size).toBe(0);
  });

  it('puts the next job back in wait when the runner is stopping by the time the completion took it', async () => {
    const [a, b] = [fetched('a'), fetched('b')];
    const fetcher = fakeFetcher([a]);
    const taken: string[] = [];
    let stopping = false;
    const inflight = new Set<Promise<void>>();
    const waker = new Waker();
    const loop = runDispatchLoop({
      fetcher,
      concurrency: 1,
      pollMs: 10,
      waker,
      inflight,
      isStopping: () => stopping,
      tokenFor: () => 'token',
      take: async ({ job }) => {
        taken.push(String(job.id));
        stopping = true;
        return b;
      },
      onError: (error) => {
        throw error;
      },
    });
    await loop;
    await Promise.all(inflight);
    expect(taken).toEqual(['a']);
    expect(b.moveToWait).toHaveBeenCalledWith('t-b');
    expect(inflight.size).toBe(0);
  });
});
