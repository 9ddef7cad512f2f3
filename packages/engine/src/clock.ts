/** Time as a dependency: the scheduler and deploys wait through this, tests may fake it. */
export interface Clock {
  now: () => number;
  /** Resolves after ms, or rejects with the signal's reason when it aborts first. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    // The signal's reason is passed on as it is, so that callers recognise their own abort reasons.
    /* eslint-disable @typescript-eslint/prefer-promise-reject-errors */
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
  /* eslint-enable @typescript-eslint/prefer-promise-reject-errors */
};
