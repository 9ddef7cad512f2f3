import { evaluateCondition } from '../expr/index.js';
import type { ExprContext } from '../expr/index.js';
import type { FerryErrorCode } from '../errors.js';
import { isFerryError } from '../errors.js';
import { parseDuration } from '../pipeline/parse-duration.js';
import type { CheckoutSpec, DefaultsSpec, JobSpec, PipelineSpec, ServiceSpec } from '../pipeline/pipeline-schema.js';
import { expandMatrix, jobRunId, matrixProduct, maxMatrixCells, maxMatrixProduct } from './expand-matrix.js';
import type { MatrixCell } from './expand-matrix.js';
import { findCycle, topologicalOrder } from './find-cycle.js';
import { hashPlan } from './hash-plan.js';
import { jobEdges, needsOf, unknownNeeds } from './job-graph.js';
import { planService } from './plan-service.js';
import { parseSize, planBuild, planSidecar, stringMap } from './translate-job.js';
import type { JobRun, Plan, PlannedCheckout, SkippedJob } from './plan-types.js';
import { matchChanges, type ChangeSet } from './match-changes.js';
import { planSteps } from './plan-steps.js';
import { conditionSource, isStatic, renderStatic } from './render-static.js';

export interface GitContext {
  sha: string;
  shortSha: string;
  branch: string;
  ref: string;
  tag: string;
  repo: string;
}

export interface PlanContext {
  git: GitContext;
  /** Overrides from the command line (`--env K=V`), applied over the pipeline's env. */
  env?: Record<string, string>;
  /** What started the run: cli, push, pull_request, tag, manual. */
  trigger?: string;
  /** Only these jobs and what they need (`--job`). */
  only?: string[];
  /** The files the run's change touched, for jobs with `changes:`; absent: unknown (such jobs run). */
  changes?: ChangeSet;
}

export interface PlanIssue {
  code: FerryErrorCode;
  /** Path into the pipeline file, like `jobs.deploy.needs`. */
  path: string;
  message: string;
}

export type PlanResult = { plan: Plan; issues: [] } | { plan?: undefined; issues: PlanIssue[] };

const defaultWorkdir = '/workspace';
const runtimeInSteps: ReadonlySet<string> = new Set(['env']);

/** Pure: a validated pipeline and the run's context → the DAG of JobRuns, or every problem found. */
export function planPipeline(spec: PipelineSpec, file: string, ctx: PlanContext): PlanResult {
  const issues: PlanIssue[] = [];
  const jobIds = Object.keys(spec.jobs);
  const stages = spec.stages ?? [];

  const jobNeeds = new Map(jobIds.map((id) => [id, needsOf(spec.jobs[id] as JobSpec)]));
  for (const unknown of unknownNeeds(spec.jobs)) {
    const at = unknown.index === undefined ? '' : `[${unknown.index}]`;
    issues.push({ code: 'PLAN_UNKNOWN_NEED', path: `jobs.${unknown.job}.needs${at}`, message: unknown.message });
  }
  const cycle = findCycle(jobNeeds);
  if (cycle) {
    issues.push({
      code: 'PLAN_CYCLE',
      path: `jobs.${cycle[0]}.needs`,
      message: `jobs form a cycle: ${cycle.join(' → ')}`,
    });
  }
  for (const id of ctx.only ?? []) {
    if (!spec.jobs[id])
      issues.push({
        code: 'PLAN_UNKNOWN_JOB',
        path: 'jobs',
        message: `--job "${id}" is not a job of this pipeline (jobs: ${jobIds.join(', ')})`,
      });
  }
  if (issues.length > 0) return { issues };

  const env = { ...stringMap(spec.env), ...(ctx.env ?? {}) };
  const baseCtx: ExprContext = { git: { ...ctx.git }, env, run: { trigger: ctx.trigger ?? 'cli' } };

  const { edges, stageEdges } = jobEdges(spec);

  const selected = selectJobs(jobIds, edges, ctx.only);
  const skipped: SkippedJob[] = [];
  const runsByJob = new Map<string, JobRun[]>();
  const skippedJobs = new Map<string, string>();

  for (const id of topologicalOrder(jobIds, edges)) {
    const job = spec.jobs[id] as JobSpec;
    if (!selected.has(id)) {
      skippedJobs.set(id, 'not selected by --job');
      continue;
    }
    const skippedNeed = (edges.get(id) ?? []).find((need) => skippedJobs.has(need));
    if (skippedNeed) {
      skippedJobs.set(id, `needs "${skippedNeed}", which is skipped (${skippedJobs.get(skippedNeed)})`);
      continue;
    }
    const product = matrixProduct(job.matrix);
    if (product > maxMatrixProduct) {
      issues.push({
        code: 'PLAN_INVALID',
        path: `jobs.${id}.matrix`,
        message: `matrix axes make ${Number.isFinite(product) ? product : 'more than 2^53'} combinations, more than the limit of ${maxMatrixProduct} before exclude (and ${maxMatrixCells} jobs after)`,
      });
      continue;
    }
    const cells = expandMatrix(job.matrix);
    if (cells.length > maxMatrixCells) {
      issues.push({
        code: 'PLAN_INVALID',
        path: `jobs.${id}.matrix`,
        message: `matrix expands to ${cells.length} jobs, more than the limit of ${maxMatrixCells}`,
      });
      continue;
    }
    const runs: JobRun[] = [];
    for (const cell of cells) {
      try {
        const run = planJobRun(id, job, cell, {
          edges,
          stageEdges,
          runsByJob,
          ctx: { ...baseCtx, matrix: cell },
          pipelineEnv: env,
          pipelineSecrets: spec.secrets ?? [],
          services: spec.services ?? {},
          checkout: spec.checkout,
          changes: ctx.changes ?? { known: false, reason: 'no change to compare against was given' },
          pipelineDefaults: spec.defaults,
        });
        if (run.skipReason) skipped.push({ id: run.jobRun.id, jobId: id, reason: run.skipReason });
        else runs.push(run.jobRun);
      } catch (error) {
        if (!isFerryError(error)) throw error;
        issues.push({ code: error.code, path: `jobs.${id}`, message: error.message });
      }
    }
    if (runs.length === 0) skippedJobs.set(id, skipped.find((s) => s.jobId === id)?.reason ?? 'no matrix cell left');
    runsByJob.set(id, runs);
  }
  if (issues.length > 0) return { issues };
  for (const [id, reason] of skippedJobs) {
    if (!skipped.some((s) => s.jobId === id)) skipped.push({ id, jobId: id, reason });
  }

  const jobs = [...runsByJob.values()].flat();
  const plan: Omit<Plan, 'hash'> = { pipeline: spec.name ?? file, file, stages, jobs, skipped };
  return { plan: { ...plan, hash: hashPlan(plan) }, issues: [] };
}

/** What planning one job × cell needs from the pipeline and the jobs planned before it. */
interface JobPlanScope {
  edges: Map<string, string[]>;
  stageEdges: Map<string, string[]>;
  runsByJob: Map<string, JobRun[]>;
  ctx: ExprContext;
  pipelineEnv: Record<string, string>;
  pipelineSecrets: string[];
  services: Record<string, ServiceSpec>;
  /** The pipeline's default `checkout`. */
  checkout: CheckoutSpec | undefined;
  changes: ChangeSet;
  pipelineDefaults: DefaultsSpec | undefined;
}

function planJobRun(
  id: string,
  job: JobSpec,
  cell: MatrixCell,
  scope: JobPlanScope,
): { jobRun: JobRun; skipReason?: string } {
  const { edges, stageEdges, runsByJob, ctx, pipelineEnv, pipelineSecrets, services, changes, pipelineDefaults } =
    scope;
  const runId = jobRunId(id, cell);
  const render = (text: string) => renderStatic(text, ctx);
  const env = renderMap({ ...pipelineEnv, ...stringMap(job.env) }, render);
  const jobCtx: ExprContext = { ...ctx, env };

  let condition: string | undefined;
  let skipReason: string | undefined;
  if (job.if !== undefined) {
    if (typeof job.if === 'boolean') {
      if (!job.if) skipReason = 'if: false';
    } else {
      const source = conditionSource(job.if);
      if (isStatic(source)) {
        if (!evaluateCondition(source, jobCtx)) skipReason = `if "${source}" was false`;
      } else {
        condition = source;
      }
    }
  }
  let changesNote: string | undefined;
  if (job.changes !== undefined && skipReason === undefined) {
    const verdict = matchChanges(job.changes, changes);
    if (verdict.run) changesNote = verdict.note;
    else skipReason = verdict.reason;
  }

  const needs: string[] = [];
  const needsFrom: Record<string, 'needs' | 'stage'> = {};
  for (const need of edges.get(id) ?? []) {
    for (const run of runsByJob.get(need) ?? []) {
      needs.push(run.id);
      needsFrom[run.id] = stageEdges.get(id)?.includes(need) ? 'stage' : 'needs';
    }
  }

  const workdir = job.workdir ?? defaultWorkdir;
  // What steps write to $FERRY_ENV changes `env` for the steps after them: a step reads it at run time.
  const steps = planSteps(job, workdir, pipelineDefaults, {
    name: render,
    text: (text) => renderStatic(text, jobCtx, runtimeInSteps),
  });

  const kind = job.build ? 'build' : job.deploy ? 'deploy' : 'steps';
  const artifacts =
    job.artifacts === undefined
      ? undefined
      : Array.isArray(job.artifacts)
        ? { paths: job.artifacts, when: 'on-success' as const }
        : { paths: job.artifacts.paths, when: job.artifacts.when ?? 'on-success' };
  const jobRun: JobRun = {
    id: runId,
    jobId: id,
    name: job.name !== undefined ? render(job.name) : runId,
    kind,
    stage: job.stage ?? '',
    image: job.image !== undefined ? render(job.image) : '',
    pull: job.pull ?? 'if-not-present',
    matrix: cell,
    ...(job.matrix
      ? {
          strategy: {
            failFast: job.matrix.failFast ?? true,
            ...(job.matrix.maxParallel !== undefined ? { maxParallel: job.matrix.maxParallel } : {}),
          },
        }
      : {}),
    needs,
    needsFrom,
    steps,
    env,
    ...(condition !== undefined ? { if: condition } : {}),
    ...(job.timeout !== undefined ? { timeoutMs: parseDuration(job.timeout) } : {}),
    retry: typeof job.retry === 'object' ? job.retry.max : (job.retry ?? 0),
    allowFailure: job.allowFailure ?? false,
    workdir,
    ...(job.user !== undefined ? { user: job.user } : {}),
    privileged: job.privileged ?? false,
    docker: job.docker ?? false,
    ...(job.actions && job.actions.length > 0 ? { actions: job.actions } : {}),
    secrets: [...new Set([...pipelineSecrets, ...(job.secrets ?? [])])],
    services: Object.fromEntries(
      Object.entries(job.services ?? {}).map(([alias, sidecar]) => [alias, planSidecar(sidecar)]),
    ),
    ...(artifacts ? { artifacts } : {}),
    ...(job.cache
      ? { cache: { key: job.cache.key, paths: job.cache.paths, restoreKeys: job.cache.restoreKeys ?? [] } }
      : {}),
    outputs: job.outputs ?? {},
    ...(job.build ? { build: planBuild(job.build) } : {}),
    ...(job.deploy
      ? {
          deploy: {
            services: job.deploy.services,
            specs: Object.fromEntries(
              job.deploy.services.flatMap((name) => {
                const service = services[name];
                return service ? [[name, planService(name, service)]] : [];
              }),
            ),
          },
        }
      : {}),
    resources: {
      ...(job.resources?.cpus !== undefined ? { cpus: job.resources.cpus } : {}),
      ...(job.resources?.memory !== undefined ? { memoryBytes: parseSize(job.resources.memory) } : {}),
      ...(job.resources?.pids !== undefined ? { pids: job.resources.pids } : {}),
    },
    checkout: planCheckout(job.checkout ?? scope.checkout),
    ...(changesNote !== undefined ? { changesNote } : {}),
  };
  return skipReason !== undefined ? { jobRun, skipReason } : { jobRun };
}

/** Default: the workspace with a `.git` of depth 1; depth 0 (all history) fetches tags unless told not to. */
export function planCheckout(spec: CheckoutSpec | undefined): PlannedCheckout {
  if (spec === false) return false;
  const options = spec === undefined || spec === true ? {} : spec;
  const depth = options.depth ?? 1;
  const tags = options.tags ?? depth === 0;
  return options.submodules ? { depth, tags, submodules: options.submodules } : { depth, tags };
}

function selectJobs(jobIds: string[], edges: Map<string, string[]>, only: string[] | undefined): Set<string> {
  if (!only || only.length === 0) return new Set(jobIds);
  const selected = new Set<string>();
  const add = (id: string) => {
    if (selected.has(id)) return;
    selected.add(id);
    for (const need of edges.get(id) ?? []) add(need);
  };
  only.forEach(add);
  return selected;
}

function renderMap(map: Record<string, string>, render: (text: string) => string): Record<string, string> {
  return Object.fromEntries(Object.entries(map).map(([key, value]) => [key, render(value)]));
}
