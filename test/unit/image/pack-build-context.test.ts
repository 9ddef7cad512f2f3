import path from 'node:path';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import { afterEach, describe, expect, it } from 'vitest';
import { listBuildContext } from '../../../packages/engine/src/image/list-build-context.js';
import { packBuildContext } from '../../../packages/engine/src/image/pack-build-context.js';
import { createTempDir } from '../../helpers/temp-git-repo.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function unpack(stream: Readable) {
  const extract = tar.extract();
  const entries: Array<{
    name: string;
    type: string;
    mode: number;
    uid: number;
    gid: number;
    linkname?: string | null;
    body: string;
  }> = [];
  stream.pipe(extract);
  for await (const source of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of source) chunks.push(chunk as Buffer);
    const { name, type, mode, uid, gid, linkname } = source.header;
    entries.push({
      name,
      type: String(type),
      mode: mode ?? 0,
      uid: uid ?? -1,
      gid: gid ?? -1,
      linkname,
      body: Buffer.concat(chunks).toString(),
    });
  }
  return entries;
}

describe('packBuildContext', () => {
  it('packs files, directories and symlinks owned by root, with their modes', async () => {
    const dir = await createTempDir({
      Dockerfile: 'FROM x\n',
      'bin/run.sh': { content: '#!/bin/sh\n', mode: 0o750 },
      link: { symlink: 'Dockerfile' },
      'big.bin': 'x'.repeat(2 * 1024 * 1024),
    });
    cleanups.push(dir.cleanup);
    const context = await listBuildContext({ directory: dir.dir, dockerfile: path.join(dir.dir, 'Dockerfile') });
    const packed = packBuildContext(context);
    const entries = await unpack(packed.stream);
    await packed.done;
    expect(entries.map((entry) => [entry.name.replace(/\/$/, ''), entry.type])).toEqual([
      ['Dockerfile', 'file'],
      ['big.bin', 'file'],
      ['bin', 'directory'],
      ['bin/run.sh', 'file'],
      ['link', 'symlink'],
    ]);
    expect(entries.every((entry) => entry.uid === 0 && entry.gid === 0)).toBe(true);
    expect(entries.find((entry) => entry.name === 'bin/run.sh')).toMatchObject({ mode: 0o750, body: '#!/bin/sh\n' });
    expect(entries.find((entry) => entry.name === 'big.bin')?.body).toHaveLength(2 * 1024 * 1024);
    expect(entries.find((entry) => entry.name === 'link')?.linkname).toBe('Dockerfile');
  });

  it('fails with IMAGE_CONTEXT when a listed file is gone', async () => {
    const dir = await createTempDir({ Dockerfile: 'FROM x\n', 'gone.txt': 'soon gone\n' });
    cleanups.push(dir.cleanup);
    const context = await listBuildContext({ directory: dir.dir, dockerfile: path.join(dir.dir, 'Dockerfile') });
    await dir.cleanup();
    const packed = packBuildContext(context);
    packed.stream.resume();
    await expect(packed.done).rejects.toMatchObject({
      code: 'IMAGE_CONTEXT',
      message: expect.stringContaining('cannot pack the build context'),
    });
    expect(packed.failure?.code).toBe('IMAGE_CONTEXT');
  });
});
