import { mkdir, mkdtemp, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';

export type TempFile = string | { content: string; mode?: number } | { symlink: string };

export interface TempGitRepo {
  dir: string;
  /** Runs git in the repo, isolated from the user's and the system's git configuration. */
  git(...args: string[]): Promise<string>;
  write(files: Record<string, TempFile>): Promise<void>;
  remove(...files: string[]): Promise<void>;
  /** Stages everything (honouring .gitignore) and commits. */
  commit(message?: string): Promise<void>;
  cleanup(): Promise<void>;
}

const gitEnv = {
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Ferry Test',
  GIT_AUTHOR_EMAIL: 'test@ferry.invalid',
  GIT_COMMITTER_NAME: 'Ferry Test',
  GIT_COMMITTER_EMAIL: 'test@ferry.invalid',
};

/** A fresh `git init` in a temp directory, with `files` written and, unless commit is false, committed. */
export async function createTempGitRepo(
  files: Record<string, TempFile> = {},
  options: { commit?: boolean } = {},
): Promise<TempGitRepo> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ferry-repo-'));
  const repo: TempGitRepo = {
    dir,
    async git(...args) {
      const result = await execa('git', args, { cwd: dir, env: gitEnv });
      return result.stdout;
    },
    write: (more) => writeTempFiles(dir, more),
    async remove(...names) {
      for (const name of names) await unlink(path.join(dir, name));
    },
    async commit(message = 'test commit') {
      await repo.git('add', '--all');
      await repo.git('commit', '--quiet', '--no-gpg-sign', '--allow-empty', '-m', message);
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
  await repo.git('init', '--quiet', '--initial-branch=main');
  await repo.write(files);
  if (options.commit !== false) await repo.commit();
  return repo;
}

/** A temp directory that is not a git repository. */
export async function createTempDir(
  files: Record<string, TempFile> = {},
): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ferry-dir-'));
  await writeTempFiles(dir, files);
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

async function writeTempFiles(dir: string, files: Record<string, TempFile>): Promise<void> {
  for (const [name, file] of Object.entries(files)) {
    const target = path.join(dir, name);
    await mkdir(path.dirname(target), { recursive: true });
    if (typeof file === 'string') await writeFile(target, file);
    else if ('symlink' in file) await symlink(file.symlink, target);
    else await writeFile(target, file.content, { mode: file.mode ?? 0o644 });
  }
}
