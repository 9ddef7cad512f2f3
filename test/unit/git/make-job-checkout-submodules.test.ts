import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeJobCheckout, type JobCheckoutRequest } from '../../../packages/engine/src/git/make-job-checkout.js';
import { createTempGitRepo, type TempGitRepo } from '../../helpers/temp-git-repo.js';

let deep: TempGitRepo;
let lib: TempGitRepo;
let app: TempGitRepo;
let out: string;
let libSha: string;
let deepSha: string;

const git = async (dir: string, ...args: string[]) => (await execa('git', args, { cwd: dir })).stdout;

async function checkout(name: string, request: Partial<JobCheckoutRequest>) {
  const dir = path.join(out, name);
  const sha = await app.git('rev-parse', 'HEAD');
  const made = await makeJobCheckout(
    { source: app.dir, sha, branch: 'main', tag: '', remoteUrl: '', depth: 1, tags: false, ...request },
    dir,
  );
  return { dir, ...made };
}

beforeAll(async () => {
  deep = await createTempGitRepo({ 'deep.txt': 'deep\n' });
  lib = await createTempGitRepo({ 'lib.txt': 'lib 1\n' });
  await lib.write({ 'lib.txt': 'lib 2\n' });
  await lib.commit('two');
  await lib.git('-c', 'protocol.file.allow=always', 'submodule', 'add', '--quiet', deep.dir, 'deep');
  await lib.commit('with deep');
  app = await createTempGitRepo({ 'app.txt': 'app\n' });
  await app.git('-c', 'protocol.file.allow=always', 'submodule', 'add', '--quiet', lib.dir, 'vendor/lib');
  await app.git('-c', 'protocol.file.allow=always', 'submodule', 'update', '--quiet', '--init', '--recursive');
  await app.commit('with lib');
  libSha = await lib.git('rev-parse', 'HEAD');
  deepSha = await deep.git('rev-parse', 'HEAD');
  out = await mkdtemp(path.join(tmpdir(), 'ferry-checkout-test-'));
});

afterAll(async () => {
  await Promise.all([deep?.cleanup(), lib?.cleanup(), app?.cleanup()]);
  if (out) await rm(out, { recursive: true, force: true });
});

describe('makeJobCheckout with submodules', () => {
  it('gives each submodule a git dir of its recorded commit, at the same depth, and makes it active', async () => {
    const { dir, gitDir, gitFiles } = await checkout('top', { submodules: true });
    expect(gitFiles).toEqual(['vendor/lib/.git']);
    expect(gitDir).toBe(path.join(dir, '.git'));
    const sub = path.join(dir, 'vendor/lib');
    expect(await git(sub, 'rev-parse', 'HEAD')).toBe(libSha);
    expect(await git(sub, 'rev-parse', '--is-shallow-repository')).toBe('true');
    expect(await git(sub, 'rev-parse', '--show-toplevel')).toBe(sub);
    expect(await git(sub, 'ls-files')).toBe('.gitmodules\ndeep\nlib.txt');
    expect(await git(dir, 'config', `submodule.vendor/lib.url`)).toBe(lib.dir);
    expect(await git(dir, 'submodule', 'status')).toMatch(new RegExp(`^ ${libSha} vendor/lib`));
    // Not recursive: the submodule's own submodule has no git dir.
    expect(await git(sub, 'submodule', 'status')).toMatch(new RegExp(`^-${deepSha} deep`));
  });

  it('goes into the submodules of submodules with recursive, and fetches all history at depth 0', async () => {
    const { dir, gitFiles } = await checkout('recursive', { submodules: 'recursive', depth: 0 });
    expect(gitFiles).toEqual(['vendor/lib/.git', 'vendor/lib/deep/.git']);
    expect(await git(path.join(dir, 'vendor/lib/deep'), 'rev-parse', 'HEAD')).toBe(deepSha);
    expect(await git(path.join(dir, 'vendor/lib'), 'rev-list', '--count', 'HEAD')).toBe('3');
    const status = await git(dir, 'submodule', 'status', '--recursive');
    expect(status).toMatch(new RegExp(`^ ${libSha} vendor/lib`, 'm'));
    expect(status).toMatch(new RegExp(`^ ${deepSha} vendor/lib/deep`, 'm'));
  });

  it('makes none without submodules', async () => {
    const { dir, gitFiles } = await checkout('none', {});
    expect(gitFiles).toEqual([]);
    expect(await git(dir, 'submodule', 'status')).toMatch(new RegExp(`^-${libSha} vendor/lib`));
  });

  it('fails with EXEC_CHECKOUT, naming the submodule, when the source has not got it', async () => {
    const clone = path.join(out, 'clone');
    await execa('git', ['clone', '--quiet', app.dir, clone]);
    const sha = await git(clone, 'rev-parse', 'HEAD');
    await expect(
      makeJobCheckout(
        { source: clone, sha, branch: '', tag: '', remoteUrl: '', depth: 1, tags: false, submodules: true },
        path.join(out, 'from-clone'),
      ),
    ).rejects.toMatchObject({
      code: 'EXEC_CHECKOUT',
      message: expect.stringContaining(
        `submodule vendor/lib at ${libSha.slice(0, 12)} is not in ${clone} (run git submodule update --init)`,
      ),
    });
  });
});
