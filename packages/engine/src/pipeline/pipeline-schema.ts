import { z } from 'zod';

/**
 * The pipeline file's schema. It describes the file as written (input types only, no transforms) so the
 * same schema yields docs/ferry.schema.json; durations, sizes and expressions are interpreted by plan/.
 */

const scalar = z.union([z.string(), z.number(), z.boolean()]);

// --- Templates, extends, includes and matrix control (issue #14) ---

/** GitHub's `strategy.fail-fast` and `strategy.max-parallel`, as keys of `matrix:` (which is Ferry's strategy). */
const matrixControl = {
  failFast: z.boolean().optional(),
  maxParallel: z.number().int().min(1).optional(),
};

/**
 * `extends` and `include` are resolved before validation (compose-pipeline.ts) and never reach the validated
 * spec; they are here for the JSON Schema editors read.
 */
export const Extends = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);
const includePath = z.string().regex(/\.ya?ml$/, { message: 'expected a path to a .yml or .yaml file' });
export const Include = z.union([includePath, z.array(z.union([includePath, z.strictObject({ local: includePath })]))]);
/** A job id, or a template's (`.name`): templates are only extended, never run. */
const jobOrTemplateId = /^\.?[A-Za-z_][A-Za-z0-9_-]*$/;

// --- end of issue #14 additions ---

export const durationPattern = /^(\d+(\.\d+)?(ms|s|m|h))+$/;
/** A number is seconds; a string is like `500ms`, `30s`, `10m`, `1h30m`. */
export const Duration = z.union([
  z.number().nonnegative(),
  z.string().regex(durationPattern, { message: 'expected a duration like 30s, 10m or 1h30m' }),
]);

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
  message: 'expected an environment variable name (letters, digits, _; not starting with a digit)',
});
export const EnvMap = z.record(envName, scalar);

/**
 * The env of a service or sidecar container, which the image's own program reads (not a shell): names may hold
 * `.` and `-` where Docker allows them, as images configured by env do (Elasticsearch's `discovery.type`).
 */
export const ContainerEnvMap = z.record(
  z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, {
    message: 'expected an environment variable name (letters, digits, _ . -; not starting with a digit, . or -)',
  }),
  scalar,
);

/** A boolean, or an expression with or without the `${{ }}` wrapper. */
export const Condition = z.union([z.boolean(), z.string().min(1)]);

export const PullPolicy = z.enum(['if-not-present', 'always', 'never']);

const globList = z.array(z.string().min(1));

// Step ids, shells and working directories (`id`, `shell`, `workdir` on a step; `defaults` on a job and the pipeline).
export const stepIdPattern = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const StepId = z
  .string()
  .regex(stepIdPattern, { message: 'expected a step id (letters, digits, _ and -; not starting with a digit or -)' });
/** The shells known by name; anything else is a command line with `{0}` where the script file goes. */
export const shellNames = ['sh', 'bash', 'python'] as const;
export const Shell = z.string().regex(new RegExp(`^(${shellNames.join('|')})$|\\{0\\}`), {
  message: 'expected sh, bash, python, or a command with {0} for the script file (like "bash -ex {0}")',
});
/** Relative to the job's workdir, or absolute. */
const StepWorkdir = z.string().min(1);
export const Defaults = z.strictObject({ shell: Shell.optional(), workdir: StepWorkdir.optional() });

/** A directory inside the actions directory a run is given (`owner/repo@ref`): no `..`, not absolute. */
export const ActionDir = z.string().regex(/^(?!.*(^|\/)\.\.?(\/|$))[\w.@-]+(\/[\w.@-]+)*$/, {
  message: 'expected a directory inside the actions directory, like owner/repo@v1 (no .. and not absolute)',
});

export const Step = z.strictObject({
  name: z.string().min(1).optional(),
  run: z.string().min(1),
  env: EnvMap.optional(),
  timeout: Duration.optional(),
  if: Condition.optional(),
  allowFailure: z.boolean().optional(),
  id: StepId.optional(),
  shell: Shell.optional(),
  workdir: StepWorkdir.optional(),
  // GitHub compatibility (docs/pipeline.md#github-workflow-commands-and-actions): `::add-mask::`, `::set-output::` … on stdout.
  workflowCommands: z.boolean().optional(),
});

/** Reserved matrix keys that are not axes. */
export const matrixKeywords: readonly string[] = ['include', 'exclude', 'failFast', 'maxParallel'];

export const Matrix = z
  .object({
    include: z.array(z.record(z.string(), scalar)).optional(),
    exclude: z.array(z.record(z.string(), scalar)).optional(),
    ...matrixControl,
  })
  .catchall(z.array(scalar).min(1));

const Health = z.strictObject({
  cmd: z.string().min(1).optional(),
  http: z
    .union([
      z.string().startsWith('/'),
      z.strictObject({ path: z.string().startsWith('/'), expect: z.number().int().optional() }),
    ])
    .optional(),
  tcp: z.union([z.boolean(), z.number().int().min(1).max(65535)]).optional(),
  interval: Duration.optional(),
  timeout: Duration.optional(),
  startPeriod: Duration.optional(),
  startInterval: Duration.optional(),
  healthy: z.number().int().min(1).optional(),
  unhealthy: z.number().int().min(1).optional(),
  retries: z.number().int().min(1).optional(),
});

export const Sidecar = z.strictObject({
  image: z.string().min(1),
  env: ContainerEnvMap.optional(),
  command: z.union([z.string(), z.array(z.string())]).optional(),
  health: Health.optional(),
  pull: PullPolicy.optional(),
});

export const Artifacts = z.union([
  globList,
  z.strictObject({
    paths: globList,
    when: z.enum(['on-success', 'always', 'on-failure']).optional(),
    expireIn: Duration.optional(),
  }),
]);

export const Cache = z.strictObject({
  key: z.string().min(1),
  paths: globList.min(1),
  restoreKeys: globList.optional(),
});

export const Build = z.strictObject({
  context: z.string().min(1).optional(),
  dockerfile: z.string().min(1).optional(),
  target: z.string().min(1).optional(),
  args: z.record(z.string(), scalar).optional(),
  labels: z.record(z.string(), z.string()).optional(),
  tags: z.array(z.string().min(1)).min(1),
  push: z.boolean().optional(),
  cacheFrom: z.array(z.string().min(1)).optional(),
});

export const DeployJob = z.strictObject({
  services: z.array(z.string().min(1)).min(1),
});

const Resources = z.strictObject({
  cpus: z.number().positive().optional(),
  memory: z
    .union([
      z.number().int().positive(),
      z.string().regex(/^\d+(\.\d+)?[kmgKMG]?[bB]?$/, { message: 'expected a size like 512m or 2g' }),
    ])
    .optional(),
  pids: z.number().int().positive().optional(),
});

const Retry = z.union([
  z.number().int().min(0).max(5),
  z.strictObject({
    max: z.number().int().min(0).max(5),
    when: z.array(z.enum(['failure', 'timeout', 'infra'])).optional(),
  }),
]);

// --- Checkout and path conditions (issue #14) ---

/**
 * What of the repository a job gets: `true` (the default) or an object is the workspace plus a `.git` of the
 * run's commit; `false` is an empty workdir. `depth` is how many commits of history (0 = all, with tags).
 * `submodules` (`true`, or `recursive` for theirs too) also gives each submodule a `.git` of its recorded commit.
 */
export const Checkout = z.union([
  z.boolean(),
  z.strictObject({
    depth: z.number().int().min(0).optional(),
    tags: z.boolean().optional(),
    submodules: z.union([z.boolean(), z.literal('recursive')]).optional(),
  }),
]);

/** Globs of changed files (GitHub's filter syntax, `!` excludes again): the job runs only when one matches. */
export const Changes = z.array(z.string().min(1)).min(1);

// --- end of checkout and path conditions ---

export const Job = z.strictObject({
  extends: Extends.optional(),
  name: z.string().min(1).optional(),
  stage: z.string().min(1).optional(),
  image: z.string().min(1).optional(),
  needs: z.union([z.string().min(1), z.array(z.string().min(1))]).optional(),
  steps: z.array(Step).min(1).optional(),
  build: Build.optional(),
  deploy: DeployJob.optional(),
  env: EnvMap.optional(),
  matrix: Matrix.optional(),
  if: Condition.optional(),
  timeout: Duration.optional(),
  retry: Retry.optional(),
  allowFailure: z.boolean().optional(),
  pull: PullPolicy.optional(),
  services: z
    .record(
      z
        .string()
        .regex(/^[a-z0-9][a-z0-9_.-]*$/, { message: 'expected a host name (lowercase letters, digits, . _ -)' }),
      Sidecar,
    )
    .optional(),
  artifacts: Artifacts.optional(),
  cache: Cache.optional(),
  outputs: z.record(z.string(), z.string()).optional(),
  secrets: z.array(envName).optional(),
  resources: Resources.optional(),
  workdir: z.string().startsWith('/').optional(),
  user: z.string().min(1).optional(),
  privileged: z.boolean().optional(),
  defaults: Defaults.optional(),
  // Docker in jobs (docs/jobs.md#docker-in-jobs): a daemon of the job's own, allowed by the runner or CLI.
  docker: z.boolean().optional(),
  checkout: Checkout.optional(),
  changes: Changes.optional(),
  // GitHub compatibility (docs/pipeline.md#github-workflow-commands-and-actions): actions copied in from the run's actions dir.
  actions: z.array(ActionDir).optional(),
});

const IntOrPercent = z.union([
  z.number().int().min(0),
  z.string().regex(/^\d+%$/, { message: 'expected an integer or a percentage like 25%' }),
]);

const Rolling = z.strictObject({
  maxSurge: IntOrPercent.optional(),
  maxUnavailable: IntOrPercent.optional(),
  pause: Duration.optional(),
  monitor: Duration.optional(),
  maxFailureRatio: z.number().min(0).max(1).optional(),
});

const CanaryStep = z.union([
  z.strictObject({ weight: z.number().min(0).max(100), pause: z.union([Duration, z.strictObject({})]).optional() }),
  z.strictObject({ pause: z.union([Duration, z.strictObject({})]) }),
]);

const Canary = z.strictObject({
  replicas: IntOrPercent.optional(),
  steps: z.array(CanaryStep).min(1),
  analysis: z
    .strictObject({
      interval: Duration.optional(),
      window: Duration.optional(),
      minRequests: z.number().int().min(0).optional(),
      maxErrorRate: z.number().min(0).max(1).optional(),
      maxLatencyP99: Duration.optional(),
      maxLatencyRatio: z.number().positive().optional(),
      failureLimit: z.number().int().min(0).optional(),
      noData: z.enum(['hold', 'fail']).optional(),
    })
    .optional(),
  sticky: z.strictObject({ cookie: z.string().min(1) }).optional(),
});

export const Service = z.strictObject({
  image: z.string().min(1),
  replicas: z.number().int().min(0).optional(),
  port: z.number().int().min(1).max(65535),
  publish: z.number().int().min(1).max(65535).optional(),
  env: ContainerEnvMap.optional(),
  command: z.union([z.string(), z.array(z.string())]).optional(),
  health: Health.optional(),
  init: z.boolean().optional(),
  minReady: Duration.optional(),
  progressDeadline: Duration.optional(),
  drainTimeout: Duration.optional(),
  stopGrace: Duration.optional(),
  revisionHistory: z.number().int().min(1).optional(),
  secrets: z.array(envName).optional(),
  strategy: z.strictObject({ rolling: Rolling.optional(), canary: Canary.optional() }).optional(),
});

const PushTrigger = z.strictObject({
  branches: globList.optional(),
  branchesIgnore: globList.optional(),
  tags: globList.optional(),
  tagsIgnore: globList.optional(),
  paths: globList.optional(),
  pathsIgnore: globList.optional(),
});

const PullRequestTrigger = z.strictObject({
  branches: globList.optional(),
  branchesIgnore: globList.optional(),
  paths: globList.optional(),
  pathsIgnore: globList.optional(),
  types: z.array(z.enum(['opened', 'synchronize', 'reopened'])).optional(),
});

export const Triggers = z.strictObject({
  push: PushTrigger.nullable().optional(),
  pull_request: PullRequestTrigger.nullable().optional(),
  tag: z.strictObject({ tags: globList.optional() }).nullable().optional(),
  manual: z.strictObject({}).nullable().optional(),
});

export const jobIdPattern = /^[A-Za-z_][A-Za-z0-9_-]*$/;

export const PipelineSchema = z.strictObject({
  include: Include.optional(),
  name: z.string().min(1).optional(),
  on: Triggers.optional(),
  env: EnvMap.optional(),
  secrets: z.array(envName).optional(),
  checkout: Checkout.optional(),
  stages: z.array(z.string().min(1)).min(1).optional(),
  jobs: z.record(
    z.string().regex(jobOrTemplateId, {
      message: 'expected a job id (letters, digits, _ and -; not starting with a digit or -; . first for a template)',
    }),
    Job,
  ),
  services: z
    .record(
      z.string().regex(/^[a-z0-9][a-z0-9-]*$/, { message: 'expected a service name (lowercase letters, digits, -)' }),
      Service,
    )
    .optional(),
  defaults: Defaults.optional(),
});

export type PipelineSpec = z.infer<typeof PipelineSchema>;
export type JobSpec = z.infer<typeof Job>;
export type StepSpec = z.infer<typeof Step>;
export type DefaultsSpec = z.infer<typeof Defaults>;
export type ServiceSpec = z.infer<typeof Service>;
export type SidecarSpec = z.infer<typeof Sidecar>;
export type MatrixSpec = z.infer<typeof Matrix>;
export type BuildSpec = z.infer<typeof Build>;
export type CacheSpec = z.infer<typeof Cache>;
export type ArtifactsSpec = z.infer<typeof Artifacts>;
export type PullPolicy = z.infer<typeof PullPolicy>;
export type CheckoutSpec = z.infer<typeof Checkout>;
export type Scalar = z.infer<typeof scalar>;
