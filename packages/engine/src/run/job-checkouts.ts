import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isGitRepository, makeJobCheckout, type JobCheckout } from '../git/make-job-checkout.js';
import type { GitContext } from '../plan/plan-pipeline.js';
import type { JobRun } from '../plan/plan-types.js';
import { FerryError } from '../errors.js';
import type { PrepareOptions } from '../exec/executor.js';
import { isProcessAlive } from '../process/is-process-alive.js';

/** `<tmp>/ferry-checkout-<pid>-XXXXXX`: the pid tells a killed run's directory from a live one's. */
const rootPattern = /^ferry-checkout-(\d+)-/;

/**
 * The `.git` directories of one run's jobs, made on the host once per distinct (depth, tags, submodules) and shared by
 * every job that asks for the same (each job gets its own copy in its container). Concurrent requests share one
 * making; a failed one is not cached, so a retried job tries again. `removeAll` deletes them at the run's end;
 * those of a killed process are removed by the next run that makes one.
 */
export class JobCheckouts {
  readonly #made = new Map<string, Promise<JobCheckout>>();
  #root: Promise<string> | undefined;
  #isRepository: Promise<boolean> | undefined;
  #sweeping: Promise<void> | undefined;

  /** `submodulesUnsupported`: why jobs that ask for submodules cannot have them here; such a job fails (EXEC_CHECKOUT). */
  constructor(
    private readonly source: string,
    private readonly git: GitContext,
    private readonly submodulesUnsupported?: string,
  ) {}

  /** The `.git` to copy into the job's container; none for `checkout: false` or a workspace that is not a repository. */
  async get(job: JobRun): Promise<JobCheckout | undefined> {
    if (job.checkout === false) return undefined;
    const { depth, tags, submodules } = job.checkout;
    if (submodules && this.submodulesUnsupported)
      throw new FerryError(
        'EXEC_CHECKOUT',
        `cannot make the checkout of job "${job.id}": checkout.submodules: ${this.submodulesUnsupported}`,
      );
    this.#isRepository ??= isGitRepository(this.source);
    if (!this.git.sha || !(await this.#isRepository)) return undefined;
    const key = `${depth}-${tags ? 'tags' : 'notags'}${submodules ? `-submodules-${submodules === true ? 'top' : submodules}` : ''}`;
    let making = this.#made.get(key);
    if (!making) {
      making = this.#make(key, depth, tags, submodules);
      this.#made.set(key, making);
      making.catch(() => this.#made.delete(key));
    }
    return making;
  }

  /** Waits for makings still going (a cancelled run's), so that none writes into the root after it is gone. */
  async removeAll(): Promise<void> {
    await Promise.allSettled([...this.#made.values(), this.#sweeping]);
    const root = this.#root;
    this.#root = undefined;
    this.#made.clear();
    if (root) await rm(await root.catch(() => ''), { recursive: true, force: true }).catch(() => undefined);
  }

  async #make(key: string, depth: number, tags: boolean, submodules?: true | 'recursive'): Promise<JobCheckout> {
    if (this.#root === undefined) {
      this.#root = mkdtemp(path.join(tmpdir(), `ferry-checkout-${process.pid}-`));
      this.#sweeping = removeOrphanedCheckouts();
    }
    const dir = path.join(await this.#root, key);
    await rm(dir, { recursive: true, force: true });
    return makeJobCheckout(
      {
        source: this.source,
        sha: this.git.sha,
        branch: this.git.branch,
        tag: this.git.tag,
        remoteUrl: remoteUrlOf(this.git.repo),
        depth,
        tags,
        ...(submodules ? { submodules } : {}),
      },
      dir,
    );
  }
}

/**
 * A job's PrepareOptions: the workspace and its `.git` unless `checkout: false`. The `.git` is still in the
 * making (the prepare awaits it after starting the container); it rejects with EXEC_CHECKOUT.
 */
export function prepareOptionsFor(
  job: JobRun,
  checkouts: JobCheckouts,
  base: { runId: string; workspace: string; env: Record<string, string> },
): PrepareOptions {
  if (job.checkout === false) return { runId: base.runId, env: base.env };
  const checkout = checkouts.get(job);
  const gitDir = checkout.then((made) => made?.gitDir);
  // A prepare that fails before it awaits the checkout must not leave its rejection unhandled.
  gitDir.catch(() => undefined);
  const gitFiles = checkout.then(
    (made) => made?.gitFiles ?? [],
    () => [],
  );
  return { runId: base.runId, env: base.env, workspace: base.workspace, gitDir, gitFiles };
}

/** Removes the checkout directories of runs whose process is gone (a `kill -9`); never rejects. */
async function removeOrphanedCheckouts(): Promise<void> {
  const names = await readdir(tmpdir()).catch(() => [] as string[]);
  for (const name of names) {
    const pid = rootPattern.exec(name)?.[1];
    if (pid !== undefined && !isProcessAlive(Number(pid)))
      await rm(path.join(tmpdir(), name), { recursive: true, force: true }).catch(() => undefined);
  }
}

/** The context's repo when it is a URL or a path (not a bare directory name), without user and password. */
function remoteUrlOf(repo: string): string {
  if (!/[/:]/.test(repo)) return '';
  try {
    const url = new URL(repo);
    url.username = '';
    url.password = '';
    return url.toString();
  } catch {
    return repo;
  }
}
