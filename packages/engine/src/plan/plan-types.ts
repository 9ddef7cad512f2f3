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
  /** The Dockerfile's text, built with an empty context (`build.dockerfileInline`). */
  dockerfileInline?: string;
  target?: string;
  args: Record<string, Scalar>;
  labels: Record<string, string>;
  tags: string[];
  push: boolean;
  cacheFrom: string[];
}

/** One `download:` entry, rendered: `path` is relative to the workdir (or absolute), `.` by default. */
export interface PlannedDownload {
  name?: string;
  pattern?: string;
  path: string;
  merge: boolean;
}

export interface PlannedCache {
  key: string;
  paths: string[];
  restoreKeys: string[];
}

export type JobKind = 'steps' | 'build' | 'deploy';

/**
 * A job's `checkout`, defaults applied: a `.git` of the run's commit with `depth` commits (0 = all), or nothing at
 * all. `submodules` (absent when not asked): the superproject's own (`true`), or theirs too (`recursive`).
 */
export type PlannedCheckout = { depth: number; tags: boolean; submodules?: true | 'recursive' } | false;

/** One step of a JobRun. Strings may still hold `${{ }}` expressions that need run-time context (job outputs). */
export interface PlannedStep {
  index: number;
  /** `id:`, under which later steps and the job's outputs read it as `steps.<id>`. */
  id?: string;
  name: string;
  run: string;
  env: Record<string, string>;
  /** The shell's command line; `{0}` stands for the file holding `run` (`sh -e {0}` by default). */
  shell: string;
  /** Absolute; unset runs the step in the job's workdir. */
  workdir?: string;
  timeoutMs?: number;
  /** Condition source without the `${{ }}` wrapper; evaluated when the step is reached. */
  if?: string;
  allowFailure: boolean;
  /** The step's stdout lines `::command …::` are GitHub workflow commands (run/read-workflow-commands.ts). */
  workflowCommands?: true;
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
  /** `docker: true`: the job gets a Docker daemon (DOCKER_HOST), if the executor allows it. */
  docker: boolean;
  /** Directories of the run's actions directory copied into the container at /opt/ferry-actions/<dir> (GitHub actions). */
  actions?: string[];
  secrets: string[];
  services: Record<string, PlannedSidecar>;
  /**
   * A named artifact is stored relative to the deepest directory its paths share (as GitHub's upload-artifact v4);
   * an unnamed one relative to the workdir. Names are unique in a plan.
   */
  artifacts?: { name?: string; paths: string[]; when: 'on-success' | 'always' | 'on-failure' };
  /** `download:`: which named artifacts of the jobs upstream are restored, and where; absent: the default. */
  download?: PlannedDownload[];
  cache?: PlannedCache;
  outputs: Record<string, string>;
  build?: PlannedBuild;
  /** The services a deploy job rolls out, in order, translated (image and env templates still unrendered). */
  deploy?: { services: string[]; specs: Record<string, PlannedService> };
  resources: { cpus?: number; memoryBytes?: number; pids?: number };
  checkout: PlannedCheckout;
  /** Why a job with `changes:` runs (the matching files, or why they could not be compared). */
  changesNote?: string;
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

/** Where a job's `actions:` land in its container (copied there before its first step). */
export const actionsTarget = '/opt/ferry-actions';
