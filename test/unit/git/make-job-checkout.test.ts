import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeJobCheckout, type JobCheckoutRequest } from '../../../packages/engine/src/git/make-job-checkout.js';
import { readChangeSet } from '../../../packages/engine/src/git/read-change-set.js';
import { createTempGitRepo, type TempGitRepo } from '../../helpers/temp-git-repo.js';

let repo: TempGitRepo;
let shas: string[];
let out: string;

const inCheckout = async (dir: string, ...args: string[]) => (await execa('git', args, { cwd: dir })).stdout;

async function checkout(name: string, request: Partial<JobCheckoutRequest>): Promise<string> {
  const dir = path.join(out, name);
  await makeJobCheckout(
    { source: repo.dir, sha: shas[2] as string, branch: '', tag: '', remoteUrl: '', depth: 1, tags: false, ...request },
    dir,
  );
  return dir;
}

beforeAll(async () => {
  repo = await createTempGitRepo({ 'a.txt': '1\n', 'old.txt': 'moved\n' });
  await repo.git('tag', 'v1');
  await repo.write({ 'a.txt': '2\n' });
  await repo.commit('two');
  await repo.git('mv', 'old.txt', 'new.txt');
  await repo.commit('three');
  shas = (await repo.git('rev-list', '--reverse', 'HEAD')).split('\n');
  out = await mkdtemp(path.join(tmpdir(), 'ferry-checkout-test-'));
});

afterAll(async () => {
  await repo?.cleanup();
  if (out) await rm(out, { recursive: true, force: true });
});

describe('makeJobCheckout', () => {
  it('makes a shallow .git on the run branch, with origin at the commit and an index of its tree', async () => {
    const dir = await checkout('shallow', { branch: 'main', remoteUrl: 'https://git.example/acme/shop.git' });
    expect(await inCheckout(dir, 'rev-parse', 'HEAD', 'origin/main')).toBe(`${shas[2]}\n${shas[2]}`);
    expect(await inCheckout(dir, 'symbolic-ref', '--short', 'HEAD')).toBe('main');
    expect(await inCheckout(dir, 'rev-parse', '--is-shallow-repository')).toBe('true');
    expect(await inCheckout(dir, 'remote', 'get-url', 'origin')).toBe('https://git.example/acme/shop.git');
    expect(await inCheckout(dir, 'ls-files')).toBe('a.txt\nnew.txt');
    expect(await inCheckout(dir, 'tag')).toBe('');
  });

  it('is detached without a branch, and fetches the run tag even at depth 1', async () => {
    const dir = await checkout('tagged', { sha: shas[0], tag: 'v1' });
    expect(await inCheckout(dir, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('HEAD');
    expect(await inCheckout(dir, 'describe', '--tags')).toBe('v1');
  });

  it('has all history and tags at depth 0', async () => {
    const dir = await checkout('full', { depth: 0, tags: true, branch: 'main' });
    expect(await inCheckout(dir, 'rev-list', '--count', 'HEAD')).toBe('3');
    expect(await inCheckout(dir, 'describe', '--tags')).toBe(`v1-2-g${shas[2]?.slice(0, 7)}`);
  });

  it('fails with EXEC_CHECKOUT for a commit the repository does not have', async () => {
    await expect(checkout('missing', { sha: 'f'.repeat(40) })).rejects.toMatchObject({
      code: 'EXEC_CHECKOUT',
      message: expect.stringContaining(`commit ffffffffffff is not in ${repo.dir}`),
    });
  });
});

describe('readChangeSet', () => {
  it('lists both paths of a rename, and says what it compared', async () => {
    expect(await readChangeSet(repo.dir, { base: shas[1] as string, head: shas[2] as string })).toEqual({
      known: true,
      paths: ['new.txt', 'old.txt'],
      compared: `${shas[1]?.slice(0, 7)}..${shas[2]?.slice(0, 7)}`,
    });
  });

  it('is unknown, with the reason, without a base or with one the repository lacks', async () => {
    expect(await readChangeSet(repo.dir, { base: '', head: 'HEAD', noBase: 'a manual run' })).toEqual({
      known: false,
      reason: 'a manual run',
    });
    expect(await readChangeSet(repo.dir, { base: 'e'.repeat(40), head: 'HEAD' })).toEqual({
      known: false,
      reason: 'base eeeeeee is not in the repository',
    });
  });
});
