import { existsSync } from 'node:fs';
import { access, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { FerryError } from '../errors.js';
import { parseGitmodules, parseSubmodules, resolveSubmoduleUrl } from './parse-submodules.js';

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
  /** Also give each submodule of the commit a git dir of its recorded commit; `recursive`: theirs too. */
  submodules?: true | 'recursive';
}

export interface JobCheckout {
  /** `<dir>/.git`, copied into the job as `<workdir>/.git`. */
  gitDir: string;
  /** The submodules' `.git` files (`lib/.git`: `gitdir: ../.git/modules/lib`), relative to `<dir>`, copied as they are. */
  gitFiles: string[];
}

/**
 * Makes `<dir>/.git`: a repository with the commit (shallow at `depth`), HEAD at it, and an index of its tree,
 * but no files checked out; the caller copies the workspace's own files next to it. Refs: the run's branch (local
 * and `origin/<branch>`, which at depth 0 is the source's own when it has one), the run's tag, and with `tags`
 * every tag; at depth 0 also the source's `origin/*` branches. With `submodules`, each submodule recorded in the
 * commit gets `.git/modules/<name>` at its recorded commit (same depth), fetched from the source's own repository
 * of it (`<path>/.git` or `.git/modules/<name>`), and is made active, as `git submodule update --init` leaves it.
 * Throws EXEC_CHECKOUT naming the git command that failed, or the submodule that is not in the source. Uses only
 * git; never touches the source.
 */
export async function makeJobCheckout(request: JobCheckoutRequest, dir: string): Promise<JobCheckout> {
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
  await git(fetchArgs(path.resolve(request.source), request.depth, request.tags, refspecs));
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
  const gitFiles: string[] = [];
  if (request.submodules) {
    const source = path.resolve(request.source);
    const level = { source, sourceWorkTree: source, sha: request.sha, gitDir, path: '', url: request.remoteUrl };
    await addSubmodules(level, {
      root: dir,
      depth: request.depth,
      recursive: request.submodules === 'recursive',
      gitFiles,
    });
  }
  return { gitDir, gitFiles };
}

interface SubmoduleLevel {
  /** A repository (work tree or git dir) with the commit `sha`, and its submodules' repositories. */
  source: string;
  /** Its work tree in the source, where submodules may have their own `.git`; '' when it has none. */
  sourceWorkTree: string;
  sha: string;
  /** The git dir made for it in the checkout. */
  gitDir: string;
  /** Its work tree's path, relative to the checkout's root ('' for the superproject). */
  path: string;
  /** Its URL, which relative submodule URLs are resolved against. */
  url: string;
}

async function addSubmodules(
  level: SubmoduleLevel,
  options: { root: string; depth: number; recursive: boolean; gitFiles: string[] },
): Promise<void> {
  const inSource = (args: string[]) =>
    execa('git', args, { cwd: level.source, reject: false, env: { GIT_OPTIONAL_LOCKS: '0' } });
  // No .gitmodules in the commit: no submodules.
  if ((await inSource(['cat-file', '-e', `${level.sha}:.gitmodules`])).exitCode !== 0) return;
  const config = await inSource(['config', '-z', '--blob', `${level.sha}:.gitmodules`, '--list']);
  if (config.exitCode !== 0)
    throw new FerryError(
      'EXEC_CHECKOUT',
      `cannot make the checkout of the job: the .gitmodules of ${level.path || 'the repository'} at ${level.sha.slice(0, 12)} cannot be read: ${config.stderr.trim()}`,
    );
  const paths = parseGitmodules(config.stdout).map((entry) => entry.path);
  if (paths.length === 0) return;
  const tree = await inSource(['ls-tree', '-z', level.sha, '--', ...paths]);
  const sourceGitDir = (await inSource(['rev-parse', '--absolute-git-dir'])).stdout.trim();
  const superGit = (args: string[]) => runGit(options.root, ['--git-dir', level.gitDir, ...args]);
  for (const submodule of parseSubmodules(config.stdout, tree.stdout)) {
    const shown = path.posix.join(level.path, submodule.path);
    const sourceWorkTree = level.sourceWorkTree && path.join(level.sourceWorkTree, submodule.path);
    const source = await submoduleSource(
      sourceWorkTree,
      path.join(sourceGitDir, 'modules', submodule.name),
      submodule.sha,
    );
    if (!source)
      throw new FerryError(
        'EXEC_CHECKOUT',
        `cannot make the checkout of the job: submodule ${shown} at ${submodule.sha.slice(0, 12)} is not in ${level.source} (run git submodule update --init${options.recursive ? ' --recursive' : ''})`,
      );
    const url = resolveSubmoduleUrl(submodule.url, level.url);
    const gitDir = path.join(level.gitDir, 'modules', submodule.name);
    const workTree = path.join(options.root, shown);
    await mkdir(gitDir, { recursive: true });
    await mkdir(workTree, { recursive: true });
    const git = (args: string[]) => runGit(options.root, ['--git-dir', gitDir, ...args]);
    await git(['init', '--quiet', '--template=']);
    await git(['config', 'core.bare', 'false']);
    await git(['config', 'core.worktree', path.relative(gitDir, workTree)]);
    if (url) await git(['config', 'remote.origin.url', url]);
    await git(['config', 'remote.origin.fetch', '+refs/heads/*:refs/remotes/origin/*']);
    await git(fetchArgs(source, options.depth, false, [submodule.sha]));
    await git(['update-ref', '--no-deref', 'HEAD', submodule.sha]);
    await git(['read-tree', submodule.sha]);
    await writeFile(path.join(workTree, '.git'), `gitdir: ${path.relative(workTree, gitDir)}\n`);
    options.gitFiles.push(path.posix.join(shown, '.git'));
    // What `git submodule init` records: the submodule is active, and where it comes from.
    if (url) await superGit(['config', `submodule.${submodule.name}.url`, url]);
    await superGit(['config', `submodule.${submodule.name}.active`, 'true']);
    if (options.recursive)
      await addSubmodules(
        { source, sourceWorkTree, sha: submodule.sha, gitDir, path: shown, url: url || source },
        options,
      );
  }
}

/**
 * The git dir of a submodule's repository in the source that has its commit: the one of its work tree's `.git` (a
 * gitfile or a directory), else the superproject's `modules/<name>` (not checked out); undefined when neither has it.
 */
async function submoduleSource(workTree: string, modulesDir: string, sha: string): Promise<string | undefined> {
  const candidates: string[] = [];
  if (
    workTree &&
    (await access(path.join(workTree, '.git')).then(
      () => true,
      () => false,
    ))
  ) {
    const inWorkTree = await execa('git', ['rev-parse', '--absolute-git-dir'], {
      cwd: workTree,
      reject: false,
      env: { GIT_OPTIONAL_LOCKS: '0' },
    });
    if (inWorkTree.exitCode === 0) candidates.push(inWorkTree.stdout.trim());
  }
  candidates.push(modulesDir);
  for (const candidate of candidates) {
    const found = await execa('git', ['--git-dir', candidate, 'cat-file', '-t', `${sha}^{commit}`], {
      reject: false,
      env: { GIT_OPTIONAL_LOCKS: '0' },
    });
    if (found.exitCode === 0 && found.stdout.trim() === 'commit') return candidate;
  }
  return undefined;
}

/** Whether `dir` is in a git repository (a work tree or a bare one); false too when git is not installed. */
export async function isGitRepository(dir: string): Promise<boolean> {
  // Asking git costs a process per run: a directory with nothing git could find above it is answered without one.
  if (process.env.GIT_DIR === undefined && !mayBeInRepository(dir)) return false;
  const result = await execa('git', ['rev-parse', '--git-dir'], { cwd: dir, reject: false });
  return result.exitCode === 0;
}

/** Whether `dir` or a directory above it has a `.git`, or looks like a bare repository (HEAD and objects). */
function mayBeInRepository(dir: string): boolean {
  // existsSync: a stat that does not build an error (and its stack) for every missing file, as access() would.
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    if (existsSync(path.join(current, '.git'))) return true;
    if (existsSync(path.join(current, 'HEAD')) && existsSync(path.join(current, 'objects'))) return true;
    if (path.dirname(current) === current) return false;
  }
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
      : `cannot make the checkout of the job: git ${commandOf(args)} exited ${result.exitCode ?? '?'}: ${result.stderr.trim().split('\n').slice(-2).join(' / ')}`,
    { cause: result },
  );
}

/** `git fetch` of `refspecs` from the repository at the absolute path `source`, `depth` commits deep (0 = all). */
function fetchArgs(source: string, depth: number, tags: boolean, refspecs: string[]): string[] {
  return [
    '-c',
    'protocol.version=2',
    'fetch',
    '--quiet',
    '--no-write-fetch-head',
    ...(depth > 0 ? [`--depth=${depth}`] : []),
    tags ? '--tags' : '--no-tags',
    `file://${source}`,
    ...refspecs,
  ];
}

/** The git command of `args`, past the global options (`-c x=y`, `--git-dir dir`). */
function commandOf(args: string[]): string {
  let index = 0;
  while (args[index] === '-c' || args[index] === '--git-dir') index += 2;
  return args[index] ?? '';
}
