import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { findPipelineFile, formatIssues, loadSpec, planPipeline, readGitContext } from '@ferry/engine';
import type { GitContext, Plan, PlanIssue, SpecIssue } from '@ferry/engine';
import { CliError } from './cli-io.js';
import type { CliIO } from './cli-io.js';

export interface LoadedPlan {
  plan: Plan;
  file: string;
  git: GitContext;
}

/** Finds, parses, validates and plans the pipeline; every problem is printed compiler-style and exits 2. */
export async function loadPlan(io: CliIO, file: string | undefined, options: { env?: Record<string, string>; only?: string[]; workspace: string }): Promise<LoadedPlan> {
  const path = file ? resolve(io.cwd, file) : findPipelineFile(io.cwd);
  if (!path || !existsSync(path)) {
    throw new CliError(file ? `${file}: no such pipeline file` : `no pipeline file found in ${io.cwd} (looked for ferry.yml, .ferry.yml, pipelines/ferry.yml)`);
  }
  const shown = relative(io.cwd, path) || path;
  const loaded = loadSpec(path, shown);
  if (!loaded.spec || loaded.issues.length > 0) throw new CliError(formatIssues(loaded.issues));
  const git = await readGitContext(options.workspace);
  const planned = planPipeline(loaded.spec, shown, { git, ...(options.env ? { env: options.env } : {}), ...(options.only ? { only: options.only } : {}) });
  if (!planned.plan) throw new CliError(formatIssues(planned.issues.map((issue) => toSpecIssue(issue, shown, loaded.locate))));
  return { plan: planned.plan, file: shown, git };
}

function toSpecIssue(issue: PlanIssue, file: string, locate: (path: string) => { line: number; col: number }): SpecIssue {
  const { line, col } = locate(issue.path);
  return { code: issue.code, file, line, col, path: issue.path, message: issue.message };
}

/** `--env K=V` values, repeated. */
export function parseEnvPairs(pairs: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CliError(`--env "${pair}": expected NAME=value`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}
