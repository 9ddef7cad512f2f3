import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readGitContext } from '../../../packages/engine/src/git/read-git-context.js';
import { JobCheckouts } from '../../../packages/engine/src/run/job-checkouts.js';
import { buildJobRun } from '../../helpers/build-job-run.js';
import { createTempDir, createTempGitRepo, type TempGitRepo } from '../../helpers/temp-git-repo.js';

let repo: TempGitRepo;

beforeAll(async () => {
  repo = await createTempGitRepo({ 'a.txt': 'a\n' });
});

afterAll(async () => {
  await repo?.cleanup();
});

describe('JobCheckouts', () => {
  it('makes one .git per distinct depth and tags, shared by the jobs that ask for it, and removes them all', async () => {
    const checkouts = new JobCheckouts(repo.dir, await readGitContext(repo.dir));
    const shallow = buildJobRun({ id: 'a' });
    const [firstCheckout, secondCheckout, fullCheckout] = await Promise.all([
      checkouts.get(shallow),
      checkouts.get(buildJobRun({ id: 'b' })),
      checkouts.get(buildJobRun({ id: 'c', checkout: { depth: 0, tags: true } })),
    ]);
    expect(firstCheckout).toBe(secondCheckout);
    expect(firstCheckout?.gitFiles).toEqual([]);
    const first = firstCheckout?.gitDir;
    const full = fullCheckout?.gitDir;
    expect(full).not.toBe(first);
    expect(path.basename(first ?? '')).toBe('.git');
    expect(existsSync(path.join(first ?? '', 'HEAD'))).toBe(true);
    await checkouts.removeAll();
    expect(existsSync(first ?? '')).toBe(false);
    expect(existsSync(full ?? '')).toBe(false);
  });

  it('removes the checkout directories that a killed run left behind', async () => {
    const gone = execa('true');
    await gone;
    const orphan = path.join(tmpdir(), `ferry-checkout-${gone.pid ?? 0}-test`);
    mkdirSync(path.join(orphan, '1-notags'), { recursive: true });
    const checkouts = new JobCheckouts(repo.dir, await readGitContext(repo.dir));
    await checkouts.get(buildJobRun());
    await checkouts.removeAll();
    expect(existsSync(orphan)).toBe(false);
  });

  it('fails a job that asks for submodules where they are not supported, naming the job and why', async () => {
    const checkouts = new JobCheckouts(repo.dir, await readGitContext(repo.dir), 'not on runners yet');
    await expect(
      checkouts.get(buildJobRun({ id: 'sub', checkout: { depth: 1, tags: false, submodules: true } })),
    ).rejects.toMatchObject({
      code: 'EXEC_CHECKOUT',
      message: 'cannot make the checkout of job "sub": checkout.submodules: not on runners yet',
    });
    expect(await checkouts.get(buildJobRun())).toBeDefined();
    await checkouts.removeAll();
  });

  it('gives no .git for checkout: false, nor for a workspace that is not a git repository', async () => {
    const git = await readGitContext(repo.dir);
    expect(await new JobCheckouts(repo.dir, git).get(buildJobRun({ checkout: false }))).toBeUndefined();
    const plain = await createTempDir({ 'a.txt': 'a\n' });
    try {
      expect(await new JobCheckouts(plain.dir, git).get(buildJobRun())).toBeUndefined();
    } finally {
      await plain.cleanup();
    }
  });
});
