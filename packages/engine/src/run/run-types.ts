import type { Clock } from '../clock.js';
import type { Executor } from '../exec/executor.js';
import type { ExprContext } from '../expr/index.js';
import type { GitContext } from '../plan/plan-pipeline.js';
import type { JobRun, Plan } from '../plan/plan-types.js';
import type { CacheStore } from '../store/cache-store.js';
import type { EventStream } from './event-stream.js';
import type { JobStatus, RunStatus } from './events.js';
import type { JobHandler } from './job-handler.js';
import type { JobCheckouts } from './job-checkouts.js';

export interface RunDeps {
  executor: Executor;
  events: EventStream;
  /** Directory copied into each job's container. */
  workspace: string;
  git: GitContext;
  /** Why `checkout.submodules` cannot be honoured here (a runner's clone has no submodules); such jobs fail. */
  submodulesUnsupported?: string;
  concurrency: number;
  trigger?: string;
  /** Secret values by name; reach containers only as env vars of jobs that declare them. */
  secrets?: Record<string, string>;
  signal?: AbortSignal;
  clock?: Clock;
  /** Where artifact archives are kept (the run store's directory); without it `artifacts` are not kept. */
  artifactsDir?: string;
  cache?: CacheStore;
  /** The host directory of GitHub actions jobs name in `actions:` (`--actions-dir`); copied into their containers. */
  actionsDir?: string;
  /** How `build` and `deploy` jobs run; a job of a kind without a handler fails with a clear reason. */
  handlers?: Partial<Record<'build' | 'deploy', JobHandler>>;
}

export interface JobResult {
  id: string;
  jobId: string;
  status: JobStatus;
  allowedFailure: boolean;
  outputs: Record<string, string>;
  durationMs: number;
  reason?: string;
  /** The job's artifact archive on disk, for the jobs that need it. */
  artifacts?: string;
}

export interface RunResult {
  runId: string;
  status: RunStatus;
  durationMs: number;
  jobs: JobResult[];
}

/** `reason` says why one job was cancelled on its own (a failed matrix sibling); absent when the whole run was. */
export type Abort = { kind: 'timeout'; scope: 'job' | 'step'; ms: number } | { kind: 'cancel'; reason?: string };

/** What the jobs of one run share while it runs: passed to each job instead of a list of arguments. */
export interface RunScope {
  plan: Plan;
  deps: RunDeps;
  clock: Clock;
  /** Finished jobs by JobRun id, read for needs, outputs and artifacts. */
  results: Map<string, JobResult>;
  /** Teardowns still going on in the background, awaited before the run ends. */
  teardowns: Promise<void>[];
  checkouts: JobCheckouts;
  /** Called once a job's container is ready (its prepare settled successfully), before its first step. */
  onPrepared(jobRunId: string): void;
}

/** One attempt of one job, as its steps (or its handler) see it. */
export interface JobScope {
  job: JobRun;
  ctx: ExprContext;
  env: Record<string, string>;
  /** Aborts when the job is cancelled or times out. */
  signal: AbortSignal;
  deps: RunDeps;
  clock: Clock;
  /** Why the job was aborted, once it was. */
  abort: () => Abort | undefined;
}
