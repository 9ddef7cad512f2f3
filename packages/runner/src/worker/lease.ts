import type { Job } from 'bullmq';

export interface Lease {
  /** Set once a renewal found the lock gone: the run was declared stalled and may run elsewhere. */
  readonly lost: boolean;
  stop(): void;
}

export interface LeaseOptions {
  durationMs: number;
  onLost(): void;
  /** Runs with every renewal (the runner checks the run's cancel mark there, in case pub/sub missed it). */
  onRenew?(): Promise<void>;
  onError?(error: Error): void;
}

/**
 * Keeps a taken job's BullMQ lock alive: renews it every third of its duration. While Redis is unreachable the
 * renewals wait in the connection's queue and run on reconnect; a lock that expired meanwhile (an outage
 * longer than the lease) comes back as lost. One renewal in flight at a time.
 */
export function holdLease(job: Job, token: string, options: LeaseOptions): Lease {
  let lost = false;
  let renewing = false;
  let stopped = false;
  const timer = setInterval(
    () => {
      if (renewing || stopped) return;
      renewing = true;
      job
        .extendLock(token, options.durationMs)
        .then(async (extended) => {
          if (stopped) return;
          if (!extended) {
            lost = true;
            stopped = true;
            clearInterval(timer);
            options.onLost();
            return;
          }
          await options.onRenew?.();
        })
        .catch((error: unknown) => options.onError?.(error as Error))
        .finally(() => {
          renewing = false;
        });
    },
    Math.max(50, Math.floor(options.durationMs / 3)),
  );
  return {
    get lost() {
      return lost;
    },
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
