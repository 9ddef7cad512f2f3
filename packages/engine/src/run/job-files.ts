import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { FerryError } from '../errors.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Executor } from '../exec/executor.js';
import { formatBytes } from '../exec/format-bytes.js';
import { renderTemplate } from '../expr/index.js';
import type { ExprContext } from '../expr/index.js';
import { actionsTarget, type JobRun } from '../plan/plan-types.js';
import type { CacheStore } from '../store/cache-store.js';
import { hashFiles } from '../store/hash-files.js';
import { safeName } from '../store/run-store.js';
import type { ArtifactRestore } from './select-artifacts.js';

export interface JobFilesDeps {
  executor: Executor;
  workspace: string;
  /** Where this run keeps artifact archives (one per JobRun); without it artifacts are not kept. */
  artifactsDir?: string;
  cache?: CacheStore;
  actionsDir?: string;
}

export interface CacheState {
  key: string;
  /** The key itself was found: nothing to save afterwards. */
  exact: boolean;
}

type Log = (line: string) => void;

/** Before the first step: the job's `actions:`, copied from the run's actions directory (EXEC_ACTIONS_DIR when missing). */
export async function copyActions(job: JobRun, deps: JobFilesDeps, log: Log): Promise<void> {
  for (const action of job.actions ?? []) {
    const source = deps.actionsDir !== undefined ? join(deps.actionsDir, action) : undefined;
    if (source === undefined || !existsSync(source))
      throw new FerryError(
        'EXEC_ACTIONS_DIR',
        source === undefined
          ? `job "${job.id}" runs the action ${action} from an actions directory, but this run has none (give it with --actions-dir or FERRY_ACTIONS_DIR)`
          : `job "${job.id}" runs the action ${action}, which is not in the actions directory ${deps.actionsDir ?? ''} (no ${source})`,
      );
    await deps.executor.copyDirectory(job, source, `${actionsTarget}/${action}`);
    log(`actions: copied ${action} from ${deps.actionsDir ?? ''}`);
  }
}

/** Before the first step: the artifacts of the jobs this one needs, then the cache. */
export async function restoreJobInputs(
  job: JobRun,
  artifacts: ArtifactRestore[],
  ctx: ExprContext,
  deps: JobFilesDeps,
  log: Log,
): Promise<CacheState | undefined> {
  for (const { from, name, archive, into } of artifacts) {
    await deps.executor.restoreFiles(job, archive, into);
    log(
      name === undefined
        ? `artifacts: restored those of ${from}`
        : `artifacts: restored "${name}" of ${from} into ${into === undefined ? 'the workdir' : `${into}/`}`,
    );
  }
  if (!job.cache || !deps.cache) return undefined;
  const render = (text: string) =>
    renderTemplate(text, ctx, { hashFiles: (globs) => hashFiles(deps.workspace, globs) });
  const key = render(job.cache.key);
  const restoreKeys = (job.cache.restoreKeys ?? []).map(render);
  const hit = deps.cache.lookup(key, restoreKeys);
  if (!hit) {
    log(`cache: miss ${key}`);
    return { key, exact: false };
  }
  await deps.executor.restoreFiles(job, hit.entry.file);
  log(
    hit.exact
      ? `cache: hit ${key} (${formatBytes(hit.entry.bytes)})`
      : `cache: restored ${hit.entry.key} for ${key} (${formatBytes(hit.entry.bytes)})`,
  );
  return { key, exact: hit.exact };
}

/**
 * After the last step, before teardown: the job's artifacts (per `artifacts.when`) and, after a successful
 * job whose cache key missed, the cache. Returns the artifact archive, if any.
 */
export async function saveJobOutputs(
  job: JobRun,
  succeeded: boolean,
  cache: CacheState | undefined,
  deps: JobFilesDeps,
  log: Log,
): Promise<string | undefined> {
  let archive: string | undefined;
  const when = job.artifacts?.when ?? 'on-success';
  if (job.artifacts && deps.artifactsDir && (when === 'always' || (when === 'on-success') === succeeded)) {
    mkdirSync(deps.artifactsDir, { recursive: true });
    const file = join(deps.artifactsDir, `${safeName(job.id)}.tar`);
    const { name, paths } = job.artifacts;
    const saved = await deps.executor.saveFiles(job, paths, file, name === undefined ? {} : { stripCommonDir: true });
    if (saved.paths.length === 0) {
      rmSync(file, { force: true });
      log(`artifacts: nothing matched ${paths.join(', ')}`);
    } else {
      archive = file;
      log(
        `artifacts: saved ${name === undefined ? '' : `"${name}": `}${saved.paths.join(', ')} (${formatBytes(saved.bytes)})`,
      );
    }
  }
  if (succeeded && job.cache && deps.cache && cache && !cache.exact) {
    const file = join(tmpdir(), `ferry-cache-${process.pid}-${Math.random().toString(36).slice(2)}.tar`);
    try {
      const saved = await deps.executor.saveFiles(job, job.cache.paths, file);
      if (saved.paths.length === 0) {
        log(`cache: nothing matched ${job.cache.paths.join(', ')}; not saved`);
      } else {
        const { evicted } = deps.cache.save(cache.key, file);
        log(
          `cache: saved ${cache.key} (${formatBytes(saved.bytes)})${evicted.length > 0 ? `, evicted ${evicted.length} older entries` : ''}`,
        );
      }
    } finally {
      rmSync(file, { force: true });
    }
  }
  return archive;
}
