import type { Scalar } from '../pipeline/pipeline-schema.js';
import type { HealthPolicy } from './health-policy.js';
import type { ResolvedService } from '../deploy/deploy-types.js';

/**
 * A service as the plan carries it: defaults applied, durations in ms, health resolved; `image` and `env` values
 * may still hold `${{ }}` that need run-time context (deploy/resolve-service.ts renders them and hashes the result).
 */
export type PlannedService = Omit<ResolvedService, 'configHash'>;

export type PullPolicy = 'if-not-present' | 'always' | 'never';

/** A job's service container (`services:` of a job), translated: command as argv, env as strings, health resolved. */
export interface PlannedSidecar {
  image: string;
  pull: PullPolicy;
  /** Undefined keeps the image's own command. */
  command?: string[];
  env: Record<string, string>;
  health: HealthPolicy;
}

/** A `build:` section; strings may still hold `${{ }}` that need run-time context (rendered by image/). */
export interface PlannedBuild {
  context?: string;
  dockerfile?: string;
  target?: string;
  args: Record<string, Scalar>;
  labels: Record<string, string>;
  tags: string[];
  push: boolean;
  cacheFrom: string[];
}

export interface PlannedCache {
  key: string;
  paths: string[];
  restoreKeys: string[];
}

export type JobKind = 'steps' | 'build' | 'deploy';

/** One step of a JobRun. Strings may still hold `${{ }}` expressions that need run-time context (job outputs). */
export interface PlannedStep {
  index: number;
  name: string;
  run: string;
  env: Record<string, string>;
  timeoutMs?: number;
  /** Condition source without the `${{ }}` wrapper; evaluated when the step is reached. */
  if?: string;
  allowFailure: boolean;
}

/** A job × one matrix cell: the unit the scheduler runs and the executor gets a container for. */
export interface JobRun {
  /** `test` or, for a matrix cell, `test (node=20, os=linux)`. Unique within a plan. */
  id: string;
  jobId: string;
  name: string;
  kind: JobKind;
  stage: string;
  image: string;
  pull: PullPolicy;
  matrix: Record<string, Scalar>;
  /**
   * For a job with a matrix: whether a failed cell cancels its siblings (default true) and how many of the
   * job's cells may run at once. The same on every cell of the job.
   */
  strategy?: { failFast: boolean; maxParallel?: number };
  /** Ids of the JobRuns this one waits for (from `needs`, or from the previous stage). */
  needs: string[];
  /** Where each edge came from, for "why waiting" messages. */
  needsFrom: Record<string, 'needs' | 'stage'>;
  steps: PlannedStep[];
  env: Record<string, string>;
  /** Condition source without the `${{ }}` wrapper, when it needs run-time context; static ones are decided by the planner. */
  if?: string;
  timeoutMs?: number;
  retry: number;
  allowFailure: boolean;
  workdir: string;
  user?: string;
  privileged: boolean;
  secrets: string[];
  services: Record<string, PlannedSidecar>;
  artifacts?: { paths: string[]; when: 'on-success' | 'always' | 'on-failure' };
  cache?: PlannedCache;
  outputs: Record<string, string>;
  build?: PlannedBuild;
  /** The services a deploy job rolls out, in order, translated (image and env templates still unrendered). */
  deploy?: { services: string[]; specs: Record<string, PlannedService> };
  resources: { cpus?: number; memoryBytes?: number; pids?: number };
}

export interface SkippedJob {
  id: string;
  jobId: string;
  reason: string;
}

export interface Plan {
  pipeline: string;
  /** Path of the pipeline file as given. */
  file: string;
  stages: string[];
  /** Topologically ordered. */
  jobs: JobRun[];
  /** Jobs the planner already decided not to run (a static `if` was false, or `--job` left them out). */
  skipped: SkippedJob[];
  /** sha256 over jobs, images, commands and env names: the same inputs give the same hash everywhere. */
  hash: string;
}
