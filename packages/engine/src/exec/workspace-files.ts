import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { FerryError } from '../errors.js';

export interface WorkspaceFiles {
  /** Relative, `/`-separated, sorted, unique. Entries may be missing on disk (tracked but deleted) or be directories (submodules). */
  paths: string[];
  source: 'git' | 'walk';
}

/** Names a directory walk never enters: git's own data and Ferry's run store. */
const WALK_EXCLUDED = new Set(['.git', '.ferry']);

/**
 * The files of a workspace that a job gets: in a git work tree, the tracked plus the untracked-but-not-ignored
 * files (`git ls-files --cached --others --exclude-standard`, so .gitignore, .git/info/exclude and the global
 * excludes file apply); otherwise every file except `.git` and `.ferry` directories. The top-level `.ferry/`
 * (Ferry's run store, written to while jobs run) is never included, tracked or not. Throws EXEC_WORKSPACE.
 */
export async function listWorkspaceFiles(dir: string): Promise<WorkspaceFiles> {
  await assertDirectory(dir);
  const result = await execa('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: dir,
    reject: false,
    stripFinalNewline: false,
    env: { GIT_OPTIONAL_LOCKS: '0' },
  });
  if (result.exitCode === 0) {
    const listed = result.stdout
      .split('\0')
      .filter((entry) => entry !== '' && entry !== '.ferry' && !entry.startsWith('.ferry/'));
    const paths = [...new Set(listed)].sort();
    return { paths, source: 'git' };
  }
  const gitMissing = (result as { code?: string }).code === 'ENOENT';
  const notARepo = /not a git repository/i.test(result.stderr);
  if (notARepo || (gitMissing && !(await exists(path.join(dir, '.git'))))) {
    return { paths: (await walkDirectory(dir)).sort(), source: 'walk' };
  }
  throw new FerryError(
    'EXEC_WORKSPACE',
    gitMissing
      ? `cannot list the files of ${dir}: it is a git repository but git is not installed`
      : `cannot list the files of ${dir} (git ls-files exited ${result.exitCode ?? '?'}): ${result.stderr.trim()}`,
    { cause: result },
  );
}

/** Every non-directory below `root/relative`, as paths relative to root; skips `.git` and `.ferry`. */
export async function walkDirectory(root: string, relative = ''): Promise<string[]> {
  const found: string[] = [];
  const entries = await readdir(path.join(root, relative), { withFileTypes: true });
  for (const entry of entries) {
    if (WALK_EXCLUDED.has(entry.name)) continue;
    const child = relative ? `${relative}/${entry.name}` : entry.name;
    if (entry.isDirectory()) found.push(...(await walkDirectory(root, child)));
    else found.push(child);
  }
  return found;
}

async function assertDirectory(dir: string): Promise<void> {
  try {
    if ((await stat(dir)).isDirectory()) return;
  } catch (error) {
    throw new FerryError('EXEC_WORKSPACE', `workspace ${dir} cannot be read: ${(error as Error).message}`, {
      cause: error,
    });
  }
  throw new FerryError('EXEC_WORKSPACE', `workspace ${dir} is not a directory`);
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}
