import { chmod, mkdir, utimes } from 'node:fs/promises';
import path from 'node:path';
import { type Readable } from 'node:stream';
import tar from 'tar-stream';
import { afterEach, describe, expect, it } from 'vitest';
import { packWorkspace } from '../../../../packages/engine/src/exec/docker/workspace-archive.js';
import { createTempDir } from '../../../helpers/temp-git-repo.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

interface Entry {
  name: string;
  type: string;
  mode: number;
  size: number;
  linkname?: string | null;
  body: string;
  mtime?: Date;
}

async function unpack(stream: Readable): Promise<Entry[]> {
  const extract = tar.extract();
  const entries: Entry[] = [];
  stream.pipe(extract);
  for await (const source of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of source) chunks.push(chunk as Buffer);
    const { name, type, mode, size, linkname, mtime } = source.header;
    entries.push({ name, type, mode, size, linkname, body: Buffer.concat(chunks).toString(), mtime });
  }
  return entries;
}

describe('packWorkspace', () => {
  it('packs files with modes, symlinks and parent directories, and counts them', async () => {
    const dir = await createTempDir({
      'README.md': 'hello\n',
      'bin/run.sh': { content: '#!/bin/sh\necho run\n', mode: 0o755 },
      'link.md': { symlink: 'README.md' },
      'deep/a/b/c.txt': 'c',
    });
    cleanups.push(dir.cleanup);
    await chmod(path.join(dir.dir, 'bin/run.sh'), 0o755);
    await utimes(path.join(dir.dir, 'README.md'), new Date('2020-01-01T00:00:00Z'), new Date('2020-01-01T00:00:00Z'));

    const archive = packWorkspace(dir.dir, ['README.md', 'bin/run.sh', 'deep/a/b/c.txt', 'link.md', 'deleted.txt']);
    const [entries, stats] = await Promise.all([unpack(archive.stream), archive.done]);

    expect(entries.map((e) => `${e.type} ${e.name}`)).toEqual([
      'file README.md',
      'directory bin',
      'file bin/run.sh',
      'directory deep',
      'directory deep/a',
      'directory deep/a/b',
      'file deep/a/b/c.txt',
      'symlink link.md',
    ]);
    const byName = Object.fromEntries(entries.map((e) => [e.name, e]));
    expect(byName['README.md']).toMatchObject({ body: 'hello\n', size: 6, mtime: new Date('2020-01-01T00:00:00Z') });
    expect(byName['bin/run.sh']?.mode).toBe(0o755);
    expect(byName['link.md']).toMatchObject({ linkname: 'README.md', size: 0 });
    expect(stats).toEqual({ files: 4, bytes: 6 + 19 + 1 });
  });

  it('walks a listed directory (a submodule) but not its .git', async () => {
    const dir = await createTempDir({ 'sub/x.txt': 'x', 'sub/.git': 'gitdir: ../.git/modules/sub\n' });
    cleanups.push(dir.cleanup);
    const archive = packWorkspace(dir.dir, ['sub']);
    const [entries] = await Promise.all([unpack(archive.stream), archive.done]);
    expect(entries.map((e) => e.name)).toEqual(['sub', 'sub/x.txt']);
  });

  it("packs the checkout's .git with its submodules' git dirs complete, and their .git files after it", async () => {
    const dir = await createTempDir({ 'sub/x.txt': 'x', 'sub/.git': 'stale\n' });
    const checkout = await createTempDir({
      '.git/HEAD': 'ref: refs/heads/main\n',
      '.git/modules/sub/HEAD': 'f'.repeat(40),
      '.git/modules/sub/objects/pack/p.pack': 'p',
      'sub/.git': 'gitdir: ../.git/modules/sub\n',
    });
    cleanups.push(dir.cleanup, checkout.cleanup);
    // As `git init` leaves them: empty.
    for (const empty of ['.git/refs/heads', '.git/objects', '.git/modules/sub/refs/tags'])
      await mkdir(path.join(checkout.dir, empty), { recursive: true });
    const archive = packWorkspace(dir.dir, ['sub'], {
      gitDir: path.join(checkout.dir, '.git'),
      gitFiles: ['sub/.git'],
    });
    const [entries] = await Promise.all([unpack(archive.stream), archive.done]);
    const names = entries.map((e) => e.name);
    // git takes a directory for a repository only when it has refs/ and objects/, empty or not.
    for (const dir of ['.git/refs/heads', '.git/objects', '.git/modules/sub/refs/tags', '.git/modules/sub/objects'])
      expect(names).toContain(dir);
    expect(names.filter((name) => name.endsWith('sub/.git'))).toEqual(['sub/.git']);
    expect(entries.find((e) => e.name === 'sub/.git')?.body).toBe('gitdir: ../.git/modules/sub\n');
  });

  it('streams big files', async () => {
    const big = 'x'.repeat(3 * 1024 * 1024 + 7);
    const dir = await createTempDir({ 'big.bin': big });
    cleanups.push(dir.cleanup);
    const archive = packWorkspace(dir.dir, ['big.bin']);
    const [entries, stats] = await Promise.all([unpack(archive.stream), archive.done]);
    expect(entries[0]?.body.length).toBe(big.length);
    expect(stats.bytes).toBe(big.length);
  });

  it('rejects with EXEC_WORKSPACE when a file cannot be read', async () => {
    const dir = await createTempDir({ 'secret.txt': 's' });
    cleanups.push(dir.cleanup);
    await chmod(path.join(dir.dir, 'secret.txt'), 0o000);
    const archive = packWorkspace(dir.dir, ['secret.txt']);
    archive.stream.on('error', () => {});
    archive.stream.resume();
    if (process.getuid?.() === 0) {
      await expect(archive.done).resolves.toMatchObject({ files: 1 });
    } else {
      await expect(archive.done).rejects.toMatchObject({ code: 'EXEC_WORKSPACE' });
    }
  });
});
