import { afterEach, describe, expect, it } from 'vitest';
import { listWorkspaceFiles } from '../../../packages/engine/src/exec/workspace-files.js';
import { createTempDir, createTempGitRepo } from '../../helpers/temp-git-repo.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

describe('listWorkspaceFiles', () => {
  it('lists tracked and untracked-not-ignored files of a git repo, not ignored ones', async () => {
    const repo = await createTempGitRepo({
      '.gitignore': '*.log\nbuild/\n',
      'README.md': '# hi\n',
      'src/app.js': 'console.log(1)\n',
      'gone.txt': 'deleted later\n',
    });
    cleanups.push(repo.cleanup);
    await repo.write({
      'notes.txt': 'untracked\n',
      'debug.log': 'ignored\n',
      'build/out.js': 'ignored\n',
      'src/new.js': 'untracked\n',
    });
    await repo.remove('gone.txt');
    const listed = await listWorkspaceFiles(repo.dir);
    expect(listed.source).toBe('git');
    // gone.txt is still tracked; the archive skips it because it is not on disk.
    expect(listed.paths).toEqual(['.gitignore', 'README.md', 'gone.txt', 'notes.txt', 'src/app.js', 'src/new.js']);
  });

  it('leaves out the run store .ferry/ even when git would list it', async () => {
    const repo = await createTempGitRepo({ 'a.txt': 'a\n' });
    cleanups.push(repo.cleanup);
    await repo.write({ '.ferry/runs/1/events.jsonl': '{}\n', 'sub/.ferry/kept.txt': 'kept\n' });
    expect((await listWorkspaceFiles(repo.dir)).paths).toEqual(['a.txt', 'sub/.ferry/kept.txt']);
  });

  it('lists paths relative to a workspace inside a repo', async () => {
    const repo = await createTempGitRepo({ 'top.txt': 't\n', 'app/main.js': 'm\n', 'app/.gitignore': 'tmp/\n' });
    cleanups.push(repo.cleanup);
    await repo.write({ 'app/tmp/x': 'ignored\n' });
    expect((await listWorkspaceFiles(`${repo.dir}/app`)).paths).toEqual(['.gitignore', 'main.js']);
  });

  it('lists every file but .git and .ferry when the directory is not a repo', async () => {
    const dir = await createTempDir({
      'a.txt': 'a',
      'nested/b.txt': 'b',
      '.ferry/runs/x': 'x',
      'nested/.git/config': 'c',
      'debug.log': 'kept',
    });
    cleanups.push(dir.cleanup);
    expect(await listWorkspaceFiles(dir.dir)).toEqual({
      paths: ['a.txt', 'debug.log', 'nested/b.txt'],
      source: 'walk',
    });
  });

  it('fails with EXEC_WORKSPACE for a missing directory', async () => {
    await expect(listWorkspaceFiles('/nonexistent/ferry-workspace')).rejects.toMatchObject({ code: 'EXEC_WORKSPACE' });
  });
});
