import { describe, expect, it } from 'vitest';
import { gitContextFor } from '../../../packages/runner/src/worker/git-context.js';

const sha = '0123456789abcdef0123456789abcdef01234567';

describe('the git context of a queued run', () => {
  it('takes the branch from a branch ref', () => {
    expect(gitContextFor({ repo: 'https://git.example/acme/shop.git', ref: 'refs/heads/release/1.2' }, sha)).toEqual({
      sha,
      shortSha: '0123456',
      branch: 'release/1.2',
      tag: '',
      ref: 'refs/heads/release/1.2',
      repo: 'https://git.example/acme/shop.git',
    });
  });

  it('takes the tag from a tag ref, and falls back to the sha without a ref', () => {
    expect(gitContextFor({ repo: 'r', ref: 'refs/tags/v1.0.0' }, sha)).toMatchObject({ tag: 'v1.0.0', branch: '' });
    expect(gitContextFor({ repo: 'r', ref: '' }, sha)).toMatchObject({ ref: sha, branch: '', tag: '' });
  });

  it('never shows credentials from the repository URL', () => {
    expect(gitContextFor({ repo: 'https://bot:t0ken@git.example/acme/shop.git', ref: '' }, sha).repo).toBe(
      'https://bot:***@git.example/acme/shop.git',
    );
  });
});
