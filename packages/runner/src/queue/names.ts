/**
 * Every Redis key, channel and BullMQ queue name Ferry uses, in one place. All live under `ferry:`;
 * run ids and runner ids never contain `:` (see run-id.ts), so the namespaces cannot collide.
 */
export const BULLMQ_PREFIX = 'ferry:q';

export const keys = {
  /** Hash: the run record (see run-record.ts). */
  run: (runId: string) => `ferry:run:${runId}`,
  /** Stream: every event of the run, capped with MAXLEN ~ (see stream-entry.ts). */
  events: (runId: string) => `ferry:run:${runId}:events`,
  /** Hash: job id → JSON of its artifact archive (see run-artifacts.ts); expires with the run. */
  artifacts: (runId: string) => `ferry:run:${runId}:artifacts`,
  /** String: one artifact archive (a tar file), by its index in the run's artifacts hash. */
  artifact: (runId: string, index: number) => `ferry:run:${runId}:artifact:${index}`,
  /** Sorted set of run ids by enqueue time: the listing behind `ferry runs --redis`. */
  runs: 'ferry:runs',
  /** Set of the BullMQ queue names that have ever been enqueued to (one per label set). */
  queues: 'ferry:queues',
  /** Hash with a TTL: a live runner's identity and current runs, refreshed by its heartbeat. */
  runner: (runnerId: string) => `ferry:runner:${runnerId}`,
  /** Sorted set of runner ids by last heartbeat; a member whose hash expired is gone. */
  runners: 'ferry:runners',
} as const;

export const channels = {
  /** Published after every enqueue, with the queue name: idle runners fetch at once instead of at their next poll. */
  wake: 'ferry:wake',
  /** Published by `ferry cancel`, with the run id: the runner holding the run aborts it. */
  cancel: 'ferry:cancel',
  /** Published after every write to a run record, with the run id: `ferry serve` streams the runs list from it. */
  runChanged: 'ferry:runs:changed',
} as const;

/** A label is a lowercase word: letters, digits, `.`, `_`, `-` (so `+` and `:` can join and delimit them). */
export const labelPattern = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/** Lowercased, unique, sorted: the canonical form two equal label sets share. */
export function normalizeLabels(labels: readonly string[]): string[] {
  return [...new Set(labels.map((label) => label.trim().toLowerCase()).filter(Boolean))].sort();
}

/**
 * The BullMQ queue a run needing `labels` goes to: one queue per distinct label set, `runs` for none,
 * `runs.docker+linux` for [docker, linux]. A runner works every queue whose label set it covers.
 */
export function queueNameFor(labels: readonly string[]): string {
  const normalized = normalizeLabels(labels);
  return normalized.length === 0 ? 'runs' : `runs.${normalized.join('+')}`;
}

/** The labels a queue's runs need; undefined for a name that is not a Ferry run queue. */
export function labelsOfQueue(name: string): string[] | undefined {
  if (name === 'runs') return [];
  if (!name.startsWith('runs.')) return undefined;
  const labels = name.slice('runs.'.length).split('+');
  return labels.every((label) => labelPattern.test(label)) ? labels : undefined;
}

/** Whether a runner with `have` may take runs that need `need`. */
export function coversLabels(have: readonly string[], need: readonly string[]): boolean {
  const set = new Set(normalizeLabels(have));
  return normalizeLabels(need).every((label) => set.has(label));
}
