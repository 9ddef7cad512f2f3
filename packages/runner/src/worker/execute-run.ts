import { isRetriable } from './is-retriable.js';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import {
  createMasker,
  SplitMasker,
  EventStream,
  FerryError,
  findPipelineFile,
  formatIssues,
  isFerryError,
  prepareRun,
  readChangeSet,
  runPlan,
} from '@ferry/engine';
import type { ChangeSet, Clock, Executor, GitContext, Plan, RunDeps, RunEvent, SecretSources } from '@ferry/engine';
import { redactUrl } from '../open-redis.js';
import type { RunRequest } from '../queue/run-request.js';
import type { Checkout } from './git-mirror.js';
import { gitContextFor } from './git-context.js';
import type { RunnerMetrics } from './runner-metrics.js';

/** What the host's container engine offers the runner besides the executor. */
export interface RunInfra {
  /** Throws when the engine is unreachable. */
  ping(): Promise<void>;
  /** Removes every container, network and volume labelled with the run. */
  reap(runId: string): Promise<void>;
}

/** The run's engine dependencies that the runner does not decide itself (caches, build/deploy handlers). */
export type ExtraRunDeps = Partial<
  Omit<
    RunDeps,
    'executor' | 'events' | 'workspace' | 'git' | 'concurrency' | 'trigger' | 'secrets' | 'signal' | 'clock'
  >
>;

export interface ExecuteRunDeps {
  checkout: Checkout;
  createExecutor(runId: string): Executor;
  infra?: RunInfra;
  /** The runner's own secrets (its environment, its --secrets-file). */
  secrets: SecretSources;
  metrics: RunnerMetrics;
  clock: Clock;
  extraRunDeps?: ExtraRunDeps;
  /** Keeps the run's artifact archives (in Redis, for the API) before the run's directory goes; never throws. */
  keepArtifacts?(runId: string, archives: { job: string; file: string }[]): Promise<void>;
  /** Takes the run's directory away (RunDirTrash.discard); absent: it is removed in place. Never throws. */
  discardDir?(dir: string): Promise<void>;
}

export interface ExecuteRunInput {
  runId: string;
  request: RunRequest;
  /** A directory of this attempt's own; removed when it ends. */
  runDir: string;
  jobConcurrency: number;
  signal: AbortSignal;
  /** Every event, already masked. */
  onEvent(event: RunEvent): void;
}

export type ExecuteOutcome =
  /** The pipeline ran (or was cancelled): its status is the run's. */
  | {
      kind: 'finished';
      status: 'success' | 'failed' | 'cancelled';
      durationMs: number;
      jobs: Record<string, string>;
      planHash?: string;
      pipelineName?: string;
    }
  /** The run cannot run as asked (no or invalid pipeline, missing secret): final, not retried. The reason starts with its code. */
  | { kind: 'invalid'; reason: string }
  /** The infrastructure failed it: retried with backoff. */
  | { kind: 'infra'; error: FerryError };

/**
 * One attempt of a run: check out the commit, load and plan the pipeline, run it with the engine.
 * Whatever happens, the run's containers are reaped and its directory removed (or moved to the trash by
 * `discardDir`, which removes it later) before it returns.
 */
export async function executeRun(deps: ExecuteRunDeps, input: ExecuteRunInput): Promise<ExecuteOutcome> {
  const { metrics } = deps;
  const src = path.join(input.runDir, 'src');
  try {
    let sha: string;
    try {
      sha = (
        await metrics.time('clone', () =>
          deps.checkout.checkout({ repo: input.request.repo, sha: input.request.sha }, src, input.signal),
        )
      ).sha;
    } catch (error) {
      if (input.signal.aborted) return { kind: 'finished', status: 'cancelled', durationMs: 0, jobs: {} };
      if (isFerryError(error))
        return isRetriable(error)
          ? { kind: 'infra', error }
          : { kind: 'invalid', reason: `${error.code}: ${error.message}` };
      throw error;
    }

    const prepared = await metrics.time('prepare', () => prepare(deps, input, src, sha));
    if (prepared.kind !== 'ready') return prepared;

    if (deps.infra) {
      try {
        await deps.infra.ping();
      } catch (error) {
        return {
          kind: 'infra',
          error: new FerryError(
            'RUNNER_DOCKER_UNAVAILABLE',
            `the Docker engine is unreachable: ${(error as Error).message}`,
            { cause: error },
          ),
        };
      }
    }

    const { plan, secrets, git } = prepared;
    const events = new EventStream(input.runId, deps.clock.now);
    events.setMask(createMasker(Object.values(secrets)), new SplitMasker(Object.values(secrets)));
    events.subscribe((event) => input.onEvent(event));
    events.subscribe(timeStages(plan, metrics));
    const result = await metrics.time('execute', () =>
      runPlan(plan, {
        // Artifacts pass from job to job through the run's directory; keepArtifacts keeps them past it.
        artifactsDir: path.join(input.runDir, 'artifacts'),
        ...deps.extraRunDeps,
        executor: deps.createExecutor(input.runId),
        events,
        workspace: src,
        git,
        submodulesUnsupported: 'submodules are not supported on runners yet (ferry run supports them)',
        concurrency: input.jobConcurrency,
        trigger: input.request.trigger,
        secrets,
        signal: input.signal,
        clock: deps.clock,
      }),
    );
    if (result.status === 'failed' && deps.infra) {
      // Jobs fail, rather than throw, when Docker goes away mid-run: tell that apart from a failing pipeline.
      const down = await deps.infra.ping().then(
        () => undefined,
        (error: unknown) => error as Error,
      );
      if (down)
        return {
          kind: 'infra',
          error: new FerryError(
            'RUNNER_DOCKER_UNAVAILABLE',
            `the Docker engine became unreachable during the run: ${down.message}`,
            { cause: down },
          ),
        };
    }
    const archives = result.jobs.flatMap((job) => (job.artifacts ? [{ job: job.id, file: job.artifacts }] : []));
    if (archives.length > 0) await deps.keepArtifacts?.(input.runId, archives);
    return {
      kind: 'finished',
      status: result.status,
      durationMs: result.durationMs,
      jobs: Object.fromEntries(result.jobs.map((job) => [job.id, job.status])),
      planHash: plan.hash,
      pipelineName: plan.pipeline,
    };
  } finally {
    await deps.infra?.reap(input.runId).catch(() => undefined);
    await (deps.discardDir?.(input.runDir) ?? rm(input.runDir, { recursive: true, force: true })).catch(
      () => undefined,
    );
  }
}

type Prepared =
  { kind: 'ready'; plan: Plan; secrets: Record<string, string>; git: GitContext } | { kind: 'invalid'; reason: string };

async function prepare(deps: ExecuteRunDeps, input: ExecuteRunInput, src: string, sha: string): Promise<Prepared> {
  const file = input.request.pipeline !== undefined ? path.join(src, input.request.pipeline) : findPipelineFile(src);
  if (file === undefined)
    return {
      kind: 'invalid',
      reason: `RUNNER_PIPELINE_INVALID: no pipeline file in ${redactUrl(input.request.repo)} at ${sha.slice(0, 12)} (looked for ferry.yml, .ferry.yml, pipelines/ferry.yml, .gitlab-ci.yml, .github/workflows/{ci,test,tests,main,build}.yml)`,
    };
  const git = gitContextFor(input.request, sha);
  const changes = await changesOf(input.request, src, sha);
  const prepared = await prepareRun({
    path: file,
    shownAs: path.relative(src, file),
    workspace: src,
    git,
    trigger: input.request.trigger,
    changes,
    ...(deps.extraRunDeps?.actionsDir !== undefined ? { actionsDir: deps.extraRunDeps.actionsDir } : {}),
    secrets: { ...deps.secrets, withhold: !input.request.secrets },
  }).catch((error: unknown) => ({ ok: false as const, error: error as Error }));
  if ('error' in prepared)
    return {
      kind: 'invalid',
      reason: `RUNNER_PIPELINE_INVALID: cannot load ${path.relative(src, file)}: ${prepared.error.message}`,
    };
  if (!prepared.ok)
    return {
      kind: 'invalid',
      reason: `RUNNER_PIPELINE_INVALID: ${input.request.pipeline ?? path.relative(src, file)} cannot run:\n${formatIssues(prepared.issues)}`,
    };
  return { kind: 'ready', plan: prepared.plan, secrets: prepared.secrets, git: prepared.git };
}

/**
 * The files the run's commit changed, compared in the checkout (a clone of the runner's mirror, whose branches
 * are its `origin/*`): with the request's base, else unknown with the reason.
 */
async function changesOf(request: RunRequest, src: string, sha: string): Promise<ChangeSet> {
  const compare = request.compare;
  if (compare === undefined)
    return {
      known: false,
      reason:
        request.trigger === 'push'
          ? 'the push created the branch: there is no earlier commit to compare with'
          : `a ${request.trigger} run has no earlier commit to compare with`,
    };
  const base = compare.base.startsWith('refs/heads/')
    ? `refs/remotes/origin/${compare.base.slice('refs/heads/'.length)}`
    : compare.base;
  return readChangeSet(src, { base, head: sha, mergeBase: compare.mergeBase });
}

/** Observes job.started/job.finished and records each pipeline stage's span once its last job finished (stage "none": jobs without one). */
function timeStages(plan: Plan, metrics: RunnerMetrics): (event: RunEvent) => void {
  const stageOf = new Map(plan.jobs.map((job) => [job.id, job.stage || 'none']));
  const remaining = new Map<string, number>();
  for (const stage of stageOf.values()) remaining.set(stage, (remaining.get(stage) ?? 0) + 1);
  const startedAt = new Map<string, number>();
  return (event) => {
    if (event.type !== 'job.started' && event.type !== 'job.finished' && event.type !== 'job.skipped') return;
    const stage = stageOf.get(event.job);
    if (stage === undefined) return;
    if (event.type === 'job.started') {
      if (!startedAt.has(stage)) startedAt.set(stage, event.time);
      return;
    }
    const left = (remaining.get(stage) ?? 1) - 1;
    remaining.set(stage, left);
    const start = startedAt.get(stage);
    if (left === 0 && start !== undefined) metrics.stageDuration.observe({ stage }, (event.time - start) / 1000);
  };
}
