import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitMirrorCheckout } from '../../../packages/runner/src/worker/git-mirror.js';
import { isRetriable } from '../../../packages/runner/src/worker/is-retriable.js';
import { createTempGitRepo, type TempGitRepo } from '../../helpers/temp-git-repo.js';

let repo: TempGitRepo;
let work: string;

beforeAll(async () => {
  repo = await createTempGitRepo({ 'README.md': 'one\n' });
  work = await mkdtemp(path.join(tmpdir(), 'ferry-mirror-'));
});

afterAll(async () => {
  await repo.cleanup();
  await rm(work, { recursive: true, force: true });
});

describe('checkouts from a mirror cache', () => {
  it('clones a repository once, then fetches only for commits the mirror lacks', async () => {
    const checkout = new GitMirrorCheckout(path.join(work, 'mirrors'));
    const signal = new AbortController().signal;
    const first = await repo.git('rev-parse', 'HEAD');
    const url = `file://${repo.dir}`;

    expect(await checkout.checkout({ repo: url, sha: first }, path.join(work, 'a'), signal)).toEqual({
      sha: first,
      cloned: true,
      fetched: false,
    });
    expect(await readFile(path.join(work, 'a', 'README.md'), 'utf8')).toBe('one\n');
    expect(await checkout.checkout({ repo: url, sha: first.slice(0, 10) }, path.join(work, 'b'), signal)).toEqual({
      sha: first,
      cloned: false,
      fetched: false,
    });

    await repo.write({ 'README.md': 'two\n' });
    await repo.commit('second');
    const second = await repo.git('rev-parse', 'HEAD');
    expect(await checkout.checkout({ repo: url, sha: second }, path.join(work, 'c'), signal)).toEqual({
      sha: second,
      cloned: false,
      fetched: true,
    });
    expect(await readFile(path.join(work, 'c', 'README.md'), 'utf8')).toBe('two\n');
    // The older checkout is untouched; each is detached at its own commit.
    expect(await readFile(path.join(work, 'a', 'README.md'), 'utf8')).toBe('one\n');
  });

  it('fails with RUNNER_COMMIT_MISSING for a commit the repository does not have, and RUNNER_CLONE_FAILED for a repository it cannot clone', async () => {
    const checkout = new GitMirrorCheckout(path.join(work, 'mirrors'));
    const signal = new AbortController().signal;
    const missing: unknown = await checkout
      .checkout({ repo: `file://${repo.dir}`, sha: 'f'.repeat(40) }, path.join(work, 'd'), signal)
      .catch((error: unknown) => error);
    expect(missing).toMatchObject({ code: 'RUNNER_COMMIT_MISSING' });
    expect(isRetriable(missing)).toBe(true);
    const unclonable: unknown = await checkout
      .checkout({ repo: `file://${work}/nowhere.git`, sha: 'f'.repeat(40) }, path.join(work, 'e'), signal)
      .catch((error: unknown) => error);
    expect(unclonable).toMatchObject({ code: 'RUNNER_CLONE_FAILED' });
    expect(isRetriable(unclonable)).toBe(true);
  });
});
