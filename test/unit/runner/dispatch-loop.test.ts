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

/** Runs the loop (concurrency 1) over `fetcher` with `take`; stop() ends it and waits for its runs. */
function startLoop(fetcher: QueueFetcher, take: (fetched: FetchedJob) => Promise<FetchedJob | undefined>) {
  const state = { stopping: false };
  const inflight = new Set<Promise<void>>();
  const waker = new Waker();
  const loop = runDispatchLoop({
    fetcher,
    concurrency: 1,
    pollMs: 10,
    waker,
    inflight,
    isStopping: () => state.stopping,
    tokenFor: () => 'token',
    take,
    onError: (error) => {
      throw error;
    },
  });
  return {
    state,
    inflight,
    async stop() {
      state.stopping = true;
      waker.wake();
      await loop;
      await Promise.all(inflight);
    },
  };
}

describe('the dispatch loop', () => {
  it("hands a run's slot to the next job its completion took, without fetching it", async () => {
    const [a, b, c] = [fetched('a'), fetched('b'), fetched('c')];
    const fetcher = fakeFetcher([a]);
    const taken: string[] = [];
    const loop = startLoop(fetcher, async ({ job }) => {
      taken.push(String(job.id));
      // a's completion takes b, b's takes c, c's finds the queue empty.
      return { a: b, b: c, c: undefined }[String(job.id) as 'a' | 'b' | 'c'];
    });
    await vi.waitFor(() => expect(taken).toEqual(['a', 'b', 'c']));
    await loop.stop();
    // The fetcher only ever had a: b and c came with the completions.
    expect(taken).toEqual(['a', 'b', 'c']);
    expect(loop.inflight.size).toBe(0);
  });

  it('puts the next job back in wait when the runner is stopping by the time the completion took it', async () => {
    const [a, b] = [fetched('a'), fetched('b')];
    const fetcher = fakeFetcher([a]);
    const taken: string[] = [];
    const loop = startLoop(fetcher, async ({ job }) => {
      taken.push(String(job.id));
      loop.state.stopping = true;
      return b;
    });
    await vi.waitFor(() => expect(b.moveToWait).toHaveBeenCalledWith('t-b'));
    await loop.stop();
    expect(taken).toEqual(['a']);
    expect(loop.inflight.size).toBe(0);
  });
});
