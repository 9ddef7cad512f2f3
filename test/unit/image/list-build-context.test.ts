import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listBuildContext } from '../../../packages/engine/src/image/list-build-context.js';
import { createTempDir } from '../../helpers/temp-git-repo.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function tempDir(files: Parameters<typeof createTempDir>[0]) {
  const dir = await createTempDir(files);
  cleanups.push(dir.cleanup);
  return dir.dir;
}

const names = (context: { entries: Array<{ name: string; type: string }> }) =>
  context.entries.map((entry) => (entry.type === 'directory' ? `${entry.name}/` : entry.name));

describe('listBuildContext', () => {
  it('sends what .dockerignore does not exclude, always with the Dockerfile and .dockerignore', async () => {
    const fixture = path.join(import.meta.dirname, '../../fixtures/image/app');
    const dir = await tempDir({
      Dockerfile: await readFile(path.join(fixture, 'Dockerfile'), 'utf8'),
      '.dockerignore': await readFile(path.join(fixture, '.dockerignore'), 'utf8'),
      'hello.txt': 'hi\n',
      'debug.log': 'no\n',
      'secret.env': 'no\n',
      'docs/guide.md': 'no\n',
      'docs/keep.md': 'yes\n',
      'src/app.sh': { content: '#!/bin/sh\n', mode: 0o755 },
      'src/nested/deep.log': 'no\n',
      'link.txt': { symlink: 'hello.txt' },
      '.git/HEAD': 'ref: refs/heads/main\n',
    });
    await mkdir(path.join(dir, 'empty'));
    const context = await listBuildContext({ directory: dir, dockerfile: path.join(dir, 'Dockerfile') });
    expect(names(context)).toEqual([
      '.dockerignore',
      'Dockerfile',
      'docs/',
      'docs/keep.md',
      'empty/',
      'hello.txt',
      'link.txt',
      'src/',
      'src/app.sh',
      'src/nested/',
      'src/nested/deep.log',
    ]);
    expect(context.dockerfile).toBe('Dockerfile');
    expect(context.ignoreFile).toBe(path.join(dir, '.dockerignore'));
    expect(context.files).toBe(7);
    expect(context.entries.find((entry) => entry.name === 'src/app.sh')?.mode).toBe(0o755);
    expect(context.entries.find((entry) => entry.name === 'link.txt')).toMatchObject({
      type: 'symlink',
      linkname: 'hello.txt',
    });
  });

  it('leaves out the omitted paths whatever the ignore file says', async () => {
    const dir = await tempDir({
      Dockerfile: 'FROM x\n',
      '.ferry/runs/1/events.jsonl': '{}\n',
      'app/.ferry/kept': 'k\n',
      '.dockerignore': '!.ferry\n',
    });
    const context = await listBuildContext({
      directory: dir,
      dockerfile: path.join(dir, 'Dockerfile'),
      omit: ['.ferry'],
    });
    expect(names(context)).toEqual(['.dockerignore', 'Dockerfile', 'app/', 'app/.ferry/', 'app/.ferry/kept']);
  });

  it('keeps a Dockerfile in an ignored directory and prefers <Dockerfile>.dockerignore', async () => {
    const dir = await tempDir({
      'docker/app.Dockerfile': 'FROM x\n',
      'docker/app.Dockerfile.dockerignore': 'docker\n*.md\n',
      'docker/other': 'no\n',
      '.dockerignore': 'src\n',
      'README.md': 'no\n',
      'src/a.js': 'yes\n',
    });
    const context = await listBuildContext({ directory: dir, dockerfile: path.join(dir, 'docker/app.Dockerfile') });
    expect(names(context)).toEqual(['.dockerignore', 'docker/', 'docker/app.Dockerfile', 'src/', 'src/a.js']);
    expect(context.dockerfile).toBe('docker/app.Dockerfile');
    expect(context.ignoreFile).toBe(path.join(dir, 'docker/app.Dockerfile.dockerignore'));
  });

  it('adds a Dockerfile from outside the context under a content-derived name that .dockerignore hides from COPY', async () => {
    const dir = await tempDir({
      'ci/release.Dockerfile': 'FROM ferry/busybox:1\n',
      'app/.dockerignore': '*.log\n',
      'app/main.sh': 'echo\n',
    });
    const first = await listBuildContext({
      directory: path.join(dir, 'app'),
      dockerfile: path.join(dir, 'ci/release.Dockerfile'),
    });
    const again = await listBuildContext({
      directory: path.join(dir, 'app'),
      dockerfile: path.join(dir, 'ci/release.Dockerfile'),
    });
    expect(first.dockerfile).toMatch(/^\.dockerfile\.[0-9a-f]{20}$/);
    expect(again.dockerfile).toBe(first.dockerfile);
    expect(names(first)).toEqual(['.dockerignore', 'main.sh', first.dockerfile]);
    const ignore = first.entries.find((entry) => entry.name === '.dockerignore');
    expect(ignore?.content?.toString()).toBe(`*.log\n${first.dockerfile}\n`);
    expect(first.entries.find((entry) => entry.name === first.dockerfile)?.content?.toString()).toBe(
      'FROM ferry/busybox:1\n',
    );
  });

  it('fails with IMAGE_CONTEXT when the context cannot be read', async () => {
    await expect(
      listBuildContext({
        directory: '/nonexistent/ferry-context',
        dockerfile: '/nonexistent/ferry-context/Dockerfile',
      }),
    ).rejects.toMatchObject({
      code: 'IMAGE_CONTEXT',
    });
  });
});
