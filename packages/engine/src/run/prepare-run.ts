import { readGitContext } from '../git/read-git-context.js';
import { planPipeline } from '../plan/plan-pipeline.js';
import type { GitContext } from '../plan/plan-pipeline.js';
import type { ChangeSet } from '../plan/match-changes.js';
import type { Plan } from '../plan/plan-types.js';
import { fileReader, loadPipeline } from '../load/load-pipeline.js';
import type { PipelineIssue } from '../pipeline/pipeline-issue.js';
import { resolveSecrets } from './resolve-secrets.js';
import type { SecretSources } from './resolve-secrets.js';

export interface PrepareRunOptions {
  /** Absolute path of the pipeline file. */
  path: string;
  /** How to name the file in messages (relative to where the user is). */
  shownAs: string;
  /** The work tree the run uses; its git context is read unless `git` is given. */
  workspace: string;
  /** A runner knows the ref it was asked to run better than a detached checkout does. */
  git?: Partial<GitContext>;
  env?: Record<string, string>;
  only?: string[];
  trigger?: string;
  /** The files the run's change touched, for jobs with `changes:`; absent: unknown, such jobs run. */
  changes?: ChangeSet;
  secrets: SecretSources;
  /** For GitHub/GitLab files translated in memory: tool → image overrides (`node` → `ferry/node:20`). */
  images?: Record<string, string>;
  /** The actions directory for a GitHub file translated in memory (docs/import.md#javascript-actions). */
  actionsDir?: string;
}

export type PreparedRun =
  | { ok: true; plan: Plan; git: GitContext; secrets: Record<string, string>; warnings: PipelineIssue[] }
  | { ok: false; issues: PipelineIssue[] };

/**
 * Everything before the first container: load and validate the file, read git, plan, resolve secrets.
 * The same steps for `ferry run`, a runner and a webhook, so all three compute the same plan hash.
 * Problems come back as positioned issues; nothing has been started when it returns.
 */
export async function prepareRun(options: PrepareRunOptions): Promise<PreparedRun> {
  const loaded = loadPipeline(options.path, options.shownAs, {
    ...(options.images ? { images: options.images } : {}),
    ...(options.actionsDir !== undefined ? { actions: fileReader(options.actionsDir) } : {}),
  });
  if (!loaded.spec || loaded.issues.length > 0) return { ok: false, issues: loaded.issues };
  const given = options.git;
  const complete =
    given && (['sha', 'shortSha', 'branch', 'ref', 'tag', 'repo'] as const).every((key) => given[key] !== undefined);
  // A runner knows the whole context already; reading it again would cost ~5 git processes per run.
  const git = complete ? (given as GitContext) : { ...(await readGitContext(options.workspace)), ...given };
  const planned = planPipeline(loaded.spec, options.shownAs, {
    git,
    ...(options.env ? { env: options.env } : {}),
    ...(options.only ? { only: options.only } : {}),
    ...(options.trigger ? { trigger: options.trigger } : {}),
    ...(options.changes ? { changes: options.changes } : {}),
  });
  if (!planned.plan) {
    return {
      ok: false,
      issues: planned.issues.map((issue) => ({ ...issue, ...loaded.locate(issue.path) })),
    };
  }
  const secrets = resolveSecrets(planned.plan, options.secrets);
  if (secrets.missing.length > 0) {
    return {
      ok: false,
      issues: secrets.missing.map(({ name, jobs }) => {
        const declaredAt = loaded.spec?.secrets?.includes(name)
          ? 'secrets'
          : `jobs.${planned.plan.jobs.find((job) => job.id === jobs[0])?.jobId}.secrets`;
        return {
          code: 'RUN_SECRET_MISSING' as const,
          ...loaded.locate(declaredAt),
          path: declaredAt,
          message: `secret ${name} (needed by ${jobs.join(', ')}) is not set: export it or put it in a secrets file`,
        };
      }),
    };
  }
  return { ok: true, plan: planned.plan, git, secrets: secrets.values, warnings: loaded.warnings };
}
