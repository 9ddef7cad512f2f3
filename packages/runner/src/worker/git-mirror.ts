import { FerryError } from '@ferry/engine';
import { mirrorPathFor } from '../git/mirror-path.js';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import { redactUrl } from '../open-redis.js';
import { KeyedQueue } from './keyed-queue.js';

export interface CheckoutRequest {
  repo: string;
  sha: string;
}

export interface CheckoutResult {
  /** The full sha checked out. */
  sha: string;
  /** The mirror was created (first run of this repo on this runner). */
  cloned: boolean;
  /** The mirror was fetched (it lacked the commit). */
  fetched: boolean;
}

/** Puts a commit's tree in a directory. Throws FerryError RUNNER_CLONE_FAILED or RUNNER_COMMIT_MISSING (both retried). */
export interface Checkout {
  checkout(request: CheckoutRequest, target: string, signal: AbortSignal): Promise<CheckoutResult>;
}

/**
 * Checkouts from a cache of bare mirrors (`<root>/<name>-<hash>.git`): the first run of a repository clones
 * it with --mirror; later runs fetch only when the mirror lacks the commit. Each run gets its own
 * `git clone --shared` of the mirror (objects borrowed, not copied; its origin is the mirror), detached at the sha.
 * Concurrency: one update of a mirror at a time in this process; a workdir belongs to one runner (see
 * start-runner.ts), so no other process touches its mirrors.
 */
export class GitMirrorCheckout implements Checkout {
  readonly #mirrors = new KeyedQueue();

  constructor(
    private readonly root: string,
    private readonly options: {
      timeoutMs?: number;
      /** Environment for git (credential helpers, proxies); the composition root passes its own with GIT_TERMINAL_PROMPT=0. */
      env?: Record<string, string | undefined>;
      /**
       * A git-credential-store file (`https://user:token@host`, one per line) that clones and fetches read
       * their credentials from: run records never carry any.
       */
      credentialsFile?: string;
    } = {},
  ) {}

  mirrorPath(repo: string): string {
    return mirrorPathFor(this.root, repo);
  }

  async checkout(request: CheckoutRequest, target: string, signal: AbortSignal): Promise<CheckoutResult> {
    const mirror = this.mirrorPath(request.repo);
    const { cloned, fetched } = await this.#mirrors.run(mirror, () => this.#update(request, mirror, signal));
    const sha = (
      await this.#git(mirror, signal).raw(['rev-parse', '--verify', '--quiet', `${request.sha}^{commit}`])
    ).trim();
    try {
      await rm(target, { recursive: true, force: true });
      await mkdir(path.dirname(target), { recursive: true });
      // Not --quiet: simple-git waits 50ms more for a command that printed nothing.
      await this.#git(path.dirname(target), signal).raw(['clone', '--shared', '--no-checkout', mirror, target]);
      await this.#git(target, signal).raw(['-c', 'advice.detachedHead=false', 'checkout', '--detach', sha]);
    } catch (error) {
      await rm(target, { recursive: true, force: true }).catch(() => undefined);
      if (signal.aborted) throw signal.reason;
      throw new FerryError(
        'RUNNER_CLONE_FAILED',
        `cannot check out ${sha.slice(0, 12)} of ${redactUrl(request.repo)}: ${gitMessage(error)}`,
        { cause: error },
      );
    }
    return { sha, cloned, fetched };
  }

  async #update(
    request: CheckoutRequest,
    mirror: string,
    signal: AbortSignal,
  ): Promise<{ cloned: boolean; fetched: boolean }> {
    let cloned = false;
    if (!(await exists(path.join(mirror, 'HEAD')))) {
      const partial = `${mirror}.partial-${process.pid}`;
      await rm(partial, { recursive: true, force: true });
      await mkdir(this.root, { recursive: true });
      try {
        await this.#git(this.root, signal).raw([
          ...this.#credentialArgs(),
          'clone',
          '--quiet',
          '--mirror',
          '--',
          request.repo,
          partial,
        ]);
      } catch (error) {
        await rm(partial, { recursive: true, force: true }).catch(() => undefined);
        if (signal.aborted) throw signal.reason;
        throw new FerryError('RUNNER_CLONE_FAILED', `cannot clone ${redactUrl(request.repo)}: ${gitMessage(error)}`, {
          cause: error,
        });
      }
      await rename(partial, mirror);
      cloned = true;
    }
    const git = this.#git(mirror, signal);
    if (await hasCommit(git, request.sha)) return { cloned, fetched: false };
    try {
      await git.raw([...this.#credentialArgs(), '-c', 'gc.auto=0', 'fetch', '--quiet', '--prune', 'origin']);
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      throw new FerryError('RUNNER_CLONE_FAILED', `cannot fetch ${redactUrl(request.repo)}: ${gitMessage(error)}`, {
        cause: error,
      });
    }
    // A commit no ref points at (a force-pushed branch, some pull request refs): ask for it by name.
    if (!(await hasCommit(git, request.sha)) && /^[0-9a-f]{40,64}$/.test(request.sha)) {
      await git
        .raw([...this.#credentialArgs(), '-c', 'gc.auto=0', 'fetch', '--quiet', 'origin', request.sha])
        .catch(() => undefined);
    }
    if (!(await hasCommit(git, request.sha))) {
      throw new FerryError(
        'RUNNER_COMMIT_MISSING',
        `commit ${request.sha} is not in ${redactUrl(request.repo)} (not pushed yet, or force-pushed away)`,
      );
    }
    return { cloned, fetched: true };
  }

  /** git's options that make it ask the credentials file (and only it) for a password. */
  #credentialArgs(): string[] {
    const file = this.options.credentialsFile;
    if (file === undefined) return [];
    // git runs the helper through the shell: the path is quoted.
    return ['-c', 'credential.helper=', '-c', `credential.helper=store --file='${file.replace(/'/g, `'\\''`)}'`];
  }

  #git(dir: string, signal: AbortSignal): SimpleGit {
    const git = simpleGit({
      baseDir: dir,
      abort: signal,
      timeout: { block: this.options.timeoutMs ?? 10 * 60_000 },
      ...(this.options.credentialsFile !== undefined ? { unsafe: { allowUnsafeCredentialHelper: true } } : {}),
    });
    return this.options.env ? git.env(this.options.env) : git;
  }
}

async function hasCommit(git: SimpleGit, sha: string): Promise<boolean> {
  // -t rather than -e: it prints, which spares simple-git's 50ms wait for silent commands.
  return git.raw(['cat-file', '-t', `${sha}^{commit}`]).then(
    (type) => type.trim() === 'commit',
    () => false,
  );
}

export async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

/** The last lines of a git error, on one line. */
export function gitMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.trim().split('\n').filter(Boolean).slice(-3).join(' / ');
}
