import { describe, expect, it } from 'vitest';
import { forgeAdapters } from '../../../packages/runner/src/webhook/forge-adapters.js';
import { loadFixture } from './deliveries.js';

const parse = (forge: keyof typeof forgeAdapters, event: string, payload: unknown) =>
  forgeAdapters[forge].parse(event, payload);

describe('GitHub deliveries', () => {
  it('turns a branch push into a push trigger with the changed paths', () => {
    const result = parse('github', 'push', loadFixture('github', 'push'));
    expect(result).toEqual({
      kind: 'trigger',
      trigger: {
        forge: 'github',
        event: 'push',
        repo: 'acme/shop',
        cloneUrl: 'https://github.com/acme/shop.git',
        sha: '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c',
        ref: 'refs/heads/main',
        branch: 'main',
        before: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
        paths: ['src/checkout.ts'],
        author: 'octocat',
        fork: false,
      },
    });
  });

  it('turns a new tag into a tag trigger at the tagged commit, without a before', () => {
    const result = parse('github', 'push', loadFixture('github', 'push-tag'));
    expect(result).toMatchObject({
      kind: 'trigger',
      trigger: {
        event: 'tag',
        tag: 'v1.4.0',
        ref: 'refs/tags/v1.4.0',
        sha: '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c',
      },
    });
    expect(result.kind === 'trigger' && result.trigger.before).toBeUndefined();
    // No commits listed: the changed paths are unknown, not empty.
    expect(result.kind === 'trigger' && result.trigger.paths).toBeUndefined();
  });

  it('marks a pull request from another repository as a fork and runs its head', () => {
    const result = parse('github', 'pull_request', loadFixture('github', 'pull_request-opened-fork'));
    expect(result).toMatchObject({
      kind: 'trigger',
      trigger: {
        event: 'pull_request',
        repo: 'acme/shop',
        cloneUrl: 'https://github.com/acme/shop.git',
        sha: 'ec26c3e57ca3a959ca5aad62de7213c562f8c821',
        ref: 'refs/pull/7/head',
        branch: 'faster-checkout',
        pullRequest: {
          number: 7,
          action: 'opened',
          baseBranch: 'main',
          baseSha: 'f95f852bd8fca8fcc58a9a2d6c842781e32a215e',
        },
        author: 'stranger',
        fork: true,
      },
    });
  });

  it('does not mark a pull request between branches of one repository as a fork', () => {
    const payload = loadFixture('github', 'pull_request-opened-fork');
    payload.pull_request.head.repo = payload.pull_request.base.repo;
    payload.action = 'synchronize';
    expect(parse('github', 'pull_request', payload)).toMatchObject({
      kind: 'trigger',
      trigger: { fork: false, pullRequest: { action: 'synchronize' } },
    });
  });

  it('ignores closed pull requests, deleted branches, create events and other events, saying why', () => {
    const closed = { ...loadFixture('github', 'pull_request-opened-fork'), action: 'closed' };
    expect(parse('github', 'pull_request', closed)).toEqual({
      kind: 'ignored',
      reason: expect.stringContaining('"closed"'),
    });
    const deleted = {
      ...loadFixture('github', 'push'),
      deleted: true,
      after: '0000000000000000000000000000000000000000',
      head_commit: null,
    };
    expect(parse('github', 'push', deleted)).toEqual({ kind: 'ignored', reason: 'refs/heads/main was deleted' });
    expect(parse('github', 'create', {})).toMatchObject({ kind: 'ignored' });
    expect(parse('github', 'issues', loadFixture('github', 'issues-opened'))).toEqual({
      kind: 'ignored',
      reason: expect.stringContaining('"issues"'),
    });
  });

  it("answers a ping with GitHub's zen", () => {
    expect(parse('github', 'ping', loadFixture('github', 'ping'))).toEqual({
      kind: 'ping',
      message: 'Responsive is better than fast.',
    });
  });

  it('reports the fields a malformed push lacks', () => {
    const result = parse('github', 'push', { ref: 'refs/heads/main', repository: {} });
    expect(result.kind).toBe('malformed');
    expect(result.kind === 'malformed' && result.problems.join('\n')).toContain('repository.full_name');
  });

  it('leaves the paths unknown when the push lists as many commits as GitHub caps', () => {
    const payload = loadFixture('github', 'push');
    payload.commits = Array.from({ length: 2048 }, () => payload.commits[0]);
    const result = parse('github', 'push', payload);
    expect(result.kind === 'trigger' && result.trigger.paths).toBeUndefined();
  });
});

describe('GitLab deliveries', () => {
  it('turns a Push Hook into a push trigger', () => {
    expect(parse('gitlab', 'Push Hook', loadFixture('gitlab', 'push-hook'))).toEqual({
      kind: 'trigger',
      trigger: {
        forge: 'gitlab',
        event: 'push',
        repo: 'acme/platform/shop',
        cloneUrl: 'http://gitlab.example.com/acme/platform/shop.git',
        sha: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
        ref: 'refs/heads/main',
        branch: 'main',
        before: '95790bf891e76fee5e1747ab589903a6a1f80f22',
        paths: ['src/checkout.ts'],
        author: 'jsmith',
        fork: false,
      },
    });
  });

  it('runs an annotated tag at its commit (checkout_sha), not at the tag object', () => {
    expect(parse('gitlab', 'Tag Push Hook', loadFixture('gitlab', 'tag-push-hook'))).toMatchObject({
      kind: 'trigger',
      trigger: { event: 'tag', tag: 'v1.4.0', sha: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7' },
    });
  });

  it('leaves the paths unknown when GitLab listed fewer commits than the push had', () => {
    const payload = { ...loadFixture('gitlab', 'push-hook'), total_commits_count: 31 };
    const result = parse('gitlab', 'Push Hook', payload);
    expect(result.kind === 'trigger' && result.trigger.paths).toBeUndefined();
  });

  it('turns an opened merge request from a fork project into a fork pull_request trigger', () => {
    expect(parse('gitlab', 'Merge Request Hook', loadFixture('gitlab', 'merge-request-hook'))).toMatchObject({
      kind: 'trigger',
      trigger: {
        event: 'pull_request',
        repo: 'acme/platform/shop',
        sha: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
        ref: 'refs/merge-requests/1/head',
        branch: 'faster-checkout',
        pullRequest: { number: 1, action: 'opened', baseBranch: 'main' },
        fork: true,
      },
    });
  });

  it('runs a merge request update only when it brings commits', () => {
    const payload = loadFixture('gitlab', 'merge-request-hook');
    payload.object_attributes.action = 'update';
    expect(parse('gitlab', 'Merge Request Hook', payload)).toMatchObject({ kind: 'ignored' });
    payload.object_attributes.oldrev = '95790bf891e76fee5e1747ab589903a6a1f80f22';
    expect(parse('gitlab', 'Merge Request Hook', payload)).toMatchObject({
      kind: 'trigger',
      trigger: { pullRequest: { action: 'synchronize' } },
    });
    payload.object_attributes.action = 'merge';
    expect(parse('gitlab', 'Merge Request Hook', payload)).toMatchObject({ kind: 'ignored' });
  });

  it('reads system hooks by their object_kind', () => {
    expect(parse('gitlab', 'System Hook', loadFixture('gitlab', 'push-hook'))).toMatchObject({
      kind: 'trigger',
      trigger: { event: 'push' },
    });
  });
});

describe('Gitea deliveries', () => {
  it('turns a push into a push trigger', () => {
    expect(parse('gitea', 'push', loadFixture('gitea', 'push'))).toEqual({
      kind: 'trigger',
      trigger: {
        forge: 'gitea',
        event: 'push',
        repo: 'acme/shop',
        cloneUrl: 'http://localhost:3000/acme/shop.git',
        sha: 'bffeb74224043ba2feb48d137756c8a9331c449a',
        ref: 'refs/heads/develop',
        branch: 'develop',
        before: '28e1879d029cb852e4844d9c718537df08844e03',
        paths: ['src/checkout.ts'],
        author: 'gitea',
        fork: false,
      },
    });
  });

  it('maps Gitea\'s "synchronized" onto synchronize', () => {
    expect(parse('gitea', 'pull_request', loadFixture('gitea', 'pull_request-synchronized'))).toMatchObject({
      kind: 'trigger',
      trigger: {
        event: 'pull_request',
        ref: 'refs/pull/12/head',
        fork: false,
        pullRequest: { number: 12, action: 'synchronize', baseBranch: 'main' },
      },
    });
  });

  it('marks a pull request whose head is in another repository as a fork', () => {
    const payload = loadFixture('gitea', 'pull_request-synchronized');
    payload.pull_request.head.repo_id = 141;
    expect(parse('gitea', 'pull_request', payload)).toMatchObject({ kind: 'trigger', trigger: { fork: true } });
  });
});

describe('generic deliveries', () => {
  it("takes Ferry's own format", () => {
    expect(parse('generic', 'push', loadFixture('generic', 'push'))).toMatchObject({
      kind: 'trigger',
      trigger: {
        forge: 'generic',
        event: 'push',
        branch: 'main',
        cloneUrl: 'https://git.acme.example/acme/shop.git',
        paths: ['src/checkout.ts'],
      },
    });
  });

  it('wants a pullRequest object for a pull_request', () => {
    expect(parse('generic', 'pull_request', loadFixture('generic', 'push'))).toMatchObject({ kind: 'malformed' });
  });
});
