import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveBuildPaths } from '../../../packages/engine/src/image/resolve-build-paths.js';
import { createTempDir } from '../../helpers/temp-git-repo.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function workspace() {
  const dir = await createTempDir({
    Dockerfile: 'FROM x\n',
    'app/Dockerfile': 'FROM x\n',
    'lower/dockerfile': 'FROM x\n',
    'docker/web.Dockerfile': 'FROM x\n',
    'nodockerfile/a.txt': 'a\n',
    escape: { symlink: '/etc' },
  });
  cleanups.push(dir.cleanup);
  return realpath(dir.dir);
}

describe('resolveBuildPaths', () => {
  it('defaults to <context>/Dockerfile, and leaves out the run store only for the workspace root', async () => {
    const root = await workspace();
    expect(await resolveBuildPaths(root, '.', undefined)).toEqual({
      root,
      contextDir: root,
      dockerfile: path.join(root, 'Dockerfile'),
      dockerfileLabel: 'Dockerfile',
      omit: ['.ferry'],
    });
    expect(await resolveBuildPaths(root, 'app', undefined)).toMatchObject({
      contextDir: path.join(root, 'app'),
      dockerfileLabel: 'app/Dockerfile',
      omit: [],
    });
    expect(await resolveBuildPaths(root, 'lower', undefined)).toMatchObject({ dockerfileLabel: 'lower/dockerfile' });
  });

  it('reads build.dockerfile relative to the workspace', async () => {
    const root = await workspace();
    expect(await resolveBuildPaths(root, 'app', 'docker/web.Dockerfile')).toMatchObject({
      dockerfile: path.join(root, 'docker/web.Dockerfile'),
      dockerfileLabel: 'docker/web.Dockerfile',
    });
  });

  it('fails with IMAGE_CONTEXT naming the key and the fix', async () => {
    const root = await workspace();
    await expect(resolveBuildPaths(root, 'missing', undefined)).rejects.toMatchObject({
      code: 'IMAGE_CONTEXT',
      message: 'build.context "missing" is not a directory in the workspace; it is relative to the repository root',
    });
    await expect(resolveBuildPaths(root, 'nodockerfile', undefined)).rejects.toMatchObject({
      message: 'no Dockerfile at nodockerfile/Dockerfile; add one, or name it with build.dockerfile',
    });
    await expect(resolveBuildPaths(root, 'app', 'Dockerfile.prod')).rejects.toMatchObject({
      message:
        'build.dockerfile "Dockerfile.prod" is not a file in the workspace; it is relative to the repository root, not to the context',
    });
    await expect(resolveBuildPaths(root, 'lower', 'dockerfile')).rejects.toMatchObject({
      message:
        'build.dockerfile "dockerfile" is not a file in the workspace; it is relative to the repository root, not to the context (did you mean "lower/dockerfile"?)',
    });
  });

  it('refuses paths outside the workspace, through .. or a symlink', async () => {
    const root = await workspace();
    await expect(resolveBuildPaths(root, '..', undefined)).rejects.toMatchObject({
      code: 'IMAGE_CONTEXT',
      message: 'build.context ".." is outside the workspace; it must name a path inside the repository',
    });
    await expect(resolveBuildPaths(root, 'escape', undefined)).rejects.toMatchObject({
      code: 'IMAGE_CONTEXT',
      message: expect.stringContaining('is outside the workspace'),
    });
    await expect(resolveBuildPaths(root, '.', '/etc/passwd')).rejects.toMatchObject({
      code: 'IMAGE_CONTEXT',
      message: expect.stringContaining('build.dockerfile "/etc/passwd" is outside the workspace'),
    });
  });
});
