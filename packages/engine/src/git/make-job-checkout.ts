import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { FerryError } from '../errors.js';

export interface JobCheckoutRequest {
  /** A repository (work tree or bare) that holds the commit: the workspace of `ferry run`, a runner's clone. */
  source: string;
  /** The full sha of the run's commit. */
  sha: string;
  /** The run's branch: HEAD is put on a local branch of that name (as actions/checkout does); else detached. */
  branch: string;
  /** The run's tag: always fetched, so that `git describe` names it even at depth 1. */
  tag: string;
  /** `remote.origin.url` in the checkout (the repository's URL, without credentials); none when empty. */
  remoteUrl: string;
  /** Commits of history; 0 = all of it. */
  depth: number;
  /** Fetch every tag (and, at depth 0, every branch of the source's origin). */
  tags: boolean;
}

/**
 * Makes `<dir>/.git`: a repository with the commit (shallow at `depth`), HEAD at it, and an index of its tree,
 * but no files checked out; the caller copies the workspace's own files next to it. Refs: the run's branch (local
 * and `origin/<branch>`, which at depth 0 is the source's own when it has one), the run's tag, and with `tags`
 * every tag; at depth 0 also the source's `origin/*` branches. Throws EXEC_CHECKOUT naming the git command that failed. Uses only git; never touches the source.
 */
export async function makeJobCheckout(request: JobCheckoutRequest, dir: string): Promise<string> {
  const found = await execa('git', ['cat-file', '-t', `${request.sha}^{commit}`], {
    cwd: request.source,
    reject: false,
    env: { GIT_OPTIONAL_LOCKS: '0' },
  });
  if (found.exitCode !== 0 || found.stdout.trim() !== 'commit')
    throw new FerryError(
      'EXEC_CHECKOUT',
      `cannot make the checkout of the job: commit ${request.sha.slice(0, 12)} is not in ${request.source}`,
    );
  await mkdir(dir, { recursive: true });
  const gitDir = path.join(dir, '.git');
  const git = (args: string[]) => runGit(dir, args);
  // No template: hook samples and the rest would only be copied into every job.
  await git(['init', '--quiet', '--template=', dir]);
  if (request.remoteUrl) await git(['config', 'remote.origin.url', request.remoteUrl]);
  await git(['config', 'remote.origin.fetch', '+refs/heads/*:refs/remotes/origin/*']);
  // At depth 0 the source's own origin/* come along, origin/<branch> among them when it has one.
  const full = request.depth === 0;
  const refspecs = [request.branch && !full ? `+${request.sha}:refs/remotes/origin/${request.branch}` : request.sha];
  if (request.tag) refspecs.push(`+refs/tags/${request.tag}:refs/tags/${request.tag}`);
  if (full) refspecs.push('+refs/remotes/origin/*:refs/remotes/origin/*');
  await git([
    '-c',
    'protocol.version=2',
    'fetch',
    '--quiet',
    '--no-write-fetch-head',
    ...(request.depth > 0 ? [`--depth=${request.depth}`] : []),
    request.tags ? '--tags' : '--no-tags',
    `file://${path.resolve(request.source)}`,
    ...refspecs,
  ]);
  if (request.branch) {
    if (full)
      await git(['update-ref', `refs/remotes/origin/${request.branch}`, request.sha, '']).catch(() => undefined);
    await git(['update-ref', `refs/heads/${request.branch}`, request.sha]);
    await git(['symbolic-ref', 'HEAD', `refs/heads/${request.branch}`]);
    await git(['config', `branch.${request.branch}.remote`, 'origin']);
    await git(['config', `branch.${request.branch}.merge`, `refs/heads/${request.branch}`]);
  } else {
    await git(['update-ref', '--no-deref', 'HEAD', request.sha]);
  }
  await git(['read-tree', request.sha]);
  return gitDir;
}

/** Whether `dir` is in a git repository (a work tree or a bare one); false too when git is not installed. */
export async function isGitRepository(dir: string): Promise<boolean> {
  const result = await execa('git', ['rev-parse', '--git-dir'], { cwd: dir, reject: false });
  return result.exitCode === 0;
}

async function runGit(dir: string, args: string[]): Promise<void> {
  const result = await execa('git', args, {
    cwd: dir,
    reject: false,
    env: { GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0' },
  });
  if (result.exitCode === 0) return;
  const missing = (result as { code?: string }).code === 'ENOENT';
  throw new FerryError(
    'EXEC_CHECKOUT',
    missing
      ? 'cannot make the checkout of the job: git is not installed on this host'
      : `cannot make the checkout of the job: git ${args[0] === '-c' ? args[2] : args[0]} exited ${result.exitCode ?? '?'}: ${result.stderr.trim().split('\n').slice(-2).join(' / ')}`,
    { cause: result },
  );
}
