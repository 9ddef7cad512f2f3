import type { ExprContext } from '../expr/index.js';
import type { JobRun, Plan } from '../plan/plan-types.js';
import { renderRuntime } from './render-runtime.js';
import type { JobResult, RunDeps } from './run-types.js';

export function runtimeContext(
  job: JobRun,
  env: Record<string, string>,
  results: Map<string, JobResult>,
  deps: RunDeps,
  plan: Plan,
): ExprContext {
  const jobs: Record<string, { outputs: Record<string, string>; status: string }> = {};
  for (const other of plan.jobs) {
    const result = results.get(other.id);
    if (!result) continue;
    const entry = (jobs[other.jobId] ??= { outputs: {}, status: result.status });
    Object.assign(entry.outputs, result.outputs);
    entry.status = result.status;
  }
  const secrets = Object.fromEntries(job.secrets.map((name) => [name, deps.secrets?.[name] ?? '']));
  return { git: { ...deps.git }, env, matrix: job.matrix, run: { trigger: deps.trigger ?? 'cli' }, jobs, secrets };
}

export function jobEnvironment(job: JobRun, ctx: ExprContext, deps: RunDeps): Record<string, string> {
  return {
    ...builtinEnv(job, deps),
    ...renderRecord(job.env, ctx),
    ...Object.fromEntries(job.secrets.map((name) => [name, deps.secrets?.[name] ?? ''])),
  };
}

function builtinEnv(job: JobRun, deps: RunDeps): Record<string, string> {
  return {
    CI: 'true',
    FERRY: 'true',
    FERRY_RUN_ID: deps.events.runId,
    FERRY_JOB: job.jobId,
    FERRY_JOB_RUN: job.id,
    FERRY_SHA: deps.git.sha,
    FERRY_REF: deps.git.ref,
    FERRY_BRANCH: deps.git.branch,
    FERRY_TAG: deps.git.tag,
    FERRY_WORKSPACE: job.workdir,
  };
}

export function renderRecord(map: Record<string, string>, ctx: ExprContext): Record<string, string> {
  return Object.fromEntries(Object.entries(map).map(([key, value]) => [key, renderRuntime(value, ctx)]));
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${Math.round(ms / 100) / 10}s`;
  return `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`;
}
