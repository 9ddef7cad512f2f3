import { existsSync, readFileSync, statSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { FerryError, findPipelineFile, formatIssues, prepareRun, readChangeSet } from '@ferry/engine';
import type { ChangeSet, GitContext, Plan } from '@ferry/engine';
import type { CliIO } from './cli-io.js';

export interface LoadedPlan {
  plan: Plan;
  file: string;
  git: GitContext;
  secrets: Record<string, string>;
}

export interface LoadPlanOptions {
  env?: Record<string, string>;
  only?: string[];
  workspace: string;
  secretsFile?: string;
  /** Planning only: secrets are not needed, so a missing one is not an error. */
  withoutSecrets?: boolean;
  /** Warnings (SPEC_SHELL_INJECTION) fail the command, as errors do (`ferry validate --strict`). */
  strict?: boolean;
  /** Tool → image, for a GitHub or GitLab file translated in memory (`--image node=ferry/node:20`). */
  images?: Record<string, string>;
  /** `--actions-dir`: where GitHub actions that the repository does not vendor are looked for (docs/import.md). */
  actionsDir?: string;
  /** `--changed-since <ref>`: jobs with `changes:` compare what HEAD and the working tree changed since they forked from ref. */
  changedSince?: string;
}

/**
 * Finds, parses, validates and plans the pipeline; every problem is printed compiler-style and exits 2.
 * Warnings are printed to stderr the same way, and exit 2 too under `strict`.
 */
export async function loadPlan(io: CliIO, file: string | undefined, options: LoadPlanOptions): Promise<LoadedPlan> {
  const path = file ? resolve(io.cwd, file) : findPipelineFile(io.cwd);
  if (!path || !existsSync(path)) {
    throw new FerryError(
      'SPEC_NOT_FOUND',
      file
        ? `${file}: no such pipeline file`
        : `no pipeline file found in ${io.cwd} (looked for ferry.yml, .ferry.yml, pipelines/ferry.yml, .gitlab-ci.yml, .github/workflows/{ci,test,tests,main,build}.yml)`,
    );
  }
  const shown = relative(io.cwd, path) || path;
  const changes = await localChanges(options.workspace, options.changedSince);
  const prepared = await prepareRun({
    path,
    shownAs: shown,
    workspace: options.workspace,
    ...(options.images ? { images: options.images } : {}),
    ...(options.actionsDir !== undefined ? { actionsDir: options.actionsDir } : {}),
    ...(options.env ? { env: options.env } : {}),
    ...(options.only ? { only: options.only } : {}),
    changes,
    secrets: {
      env: io.env,
      ...(options.secretsFile ? { file: readSecretsFile(options.secretsFile) } : {}),
      ...(options.withoutSecrets ? { withhold: true } : {}),
    },
  });
  if (!prepared.ok) {
    const [first] = prepared.issues;
    throw new FerryError(first?.code ?? 'SPEC_INVALID', `${shown} cannot run`, {
      diagnostics: formatIssues(prepared.issues).split('\n'),
    });
  }
  const { warnings } = prepared;
  if (warnings.length > 0 && options.strict) {
    throw new FerryError(
      warnings[0]?.code ?? 'SPEC_INVALID',
      `${shown}: ${warnings.length} warning${warnings.length === 1 ? '' : 's'}, which --strict makes errors`,
      { diagnostics: formatIssues(warnings).split('\n') },
    );
  }
  if (warnings.length > 0) io.stderr.write(`${formatIssues(warnings)}\n`);
  return { plan: prepared.plan, file: shown, git: prepared.git, secrets: prepared.secrets };
}

/**
 * What a local run counts as changed. Without --changed-since nothing is compared and jobs with `changes:` run,
 * as GitLab runs them in pipelines that have no push to compare; with it, what HEAD changed since its merge base
 * with the ref plus the uncommitted and untracked (not ignored) files, which are what `ferry run` copies in.
 */
async function localChanges(workspace: string, changedSince: string | undefined): Promise<ChangeSet> {
  if (changedSince === undefined)
    return { known: false, reason: 'a local run compares nothing unless given --changed-since <ref>' };
  const changes = await readChangeSet(workspace, {
    base: changedSince,
    head: 'HEAD',
    mergeBase: true,
    workingTree: true,
  });
  if (!changes.known) throw new FerryError('CLI_USAGE', `--changed-since "${changedSince}": ${changes.reason}`);
  return changes;
}

function readSecretsFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new FerryError(
      'CLI_USAGE',
      `--secrets-file ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
    );
  }
}

/** `--env K=V` values, repeated. */
export function parseEnvPairs(pairs: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new FerryError('CLI_USAGE', `--env "${pair}": expected NAME=value`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}

/** `--actions-dir`, else $FERRY_ACTIONS_DIR, as an absolute path; it must be a directory. */
export function actionsDirOf(io: CliIO, given: string | undefined): string | undefined {
  const dir = given ?? io.env.FERRY_ACTIONS_DIR;
  if (dir === undefined || dir === '') return undefined;
  const path = resolve(io.cwd, dir);
  if (!existsSync(path) || !statSync(path).isDirectory())
    throw new FerryError(
      'CLI_USAGE',
      `${given !== undefined ? '--actions-dir' : 'FERRY_ACTIONS_DIR'} "${dir}": not a directory (docs/import.md#javascript-actions)`,
    );
  return path;
}

/** `--image tool=image` values, repeated (`node=ferry/node:20`, `node:18=…`, `runner=buildpack-deps:noble`). */
export function parseImagePairs(pairs: string[]): Record<string, string> {
  const images: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0 || eq === pair.length - 1)
      throw new FerryError('CLI_USAGE', `--image "${pair}": expected tool=image, like node=ferry/node:20`);
    images[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return images;
}
