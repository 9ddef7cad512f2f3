import { describe, expect, it } from 'vitest';
import { statusContext, statusOfRun, statusRequest } from '../../../packages/runner/src/status/commit-status.js';
import { statusEndpointFor, type StatusSettings } from '../../../packages/runner/src/status/status-reporter.js';
import { parseServeConfig } from '../../../packages/runner/src/serve/load-serve-config.js';
import type { RunRecord } from '../../../packages/runner/src/queue/run-record.js';

const record = (patch: Partial<RunRecord>): RunRecord => ({
  id: 'r1',
  status: 'queued',
  repo: 'https://forge.test/acme/shop.git',
  sha: 'a'.repeat(40),
  ref: 'refs/heads/main',
  trigger: 'push',
  labels: [],
  secrets: true,
  queue: 'ferry-runs',
  enqueuedAt: 0,
  attempt: 1,
  lost: 0,
  ...patch,
});
const sha = 'b'.repeat(40);
const status = {
  state: 'failure' as const,
  description: 'failed: test',
  context: 'ferry/ci',
  targetUrl: 'https://ferry.test/runs/r1',
};

describe('statusRequest: each forge as its API documents it', () => {
  it('GitHub: POST /repos/{owner}/{repo}/statuses/{sha}, Bearer token, its media type', () => {
    const request = statusRequest(
      { forge: 'github', api: 'https://api.github.com/', repo: 'acme/shop', sha, token: 't1' },
      status,
    );
    expect(request.url).toBe(`https://api.github.com/repos/acme/shop/statuses/${sha}`);
    expect(request.headers).toMatchObject({ authorization: 'Bearer t1', accept: 'application/vnd.github+json' });
    expect(request.body).toEqual({
      state: 'failure',
      description: 'failed: test',
      context: 'ferry/ci',
      target_url: status.targetUrl,
    });
  });
  it('GitLab: POST /projects/:id/statuses/:sha with the URL-encoded path, PRIVATE-TOKEN, name, failed', () => {
    const request = statusRequest(
      { forge: 'gitlab', api: 'https://gitlab.com/api/v4', repo: 'acme/platform/shop', sha, token: 't2' },
      status,
    );
    expect(request.url).toBe(`https://gitlab.com/api/v4/projects/acme%2Fplatform%2Fshop/statuses/${sha}`);
    expect(request.headers).toMatchObject({ 'private-token': 't2' });
    expect(request.body).toMatchObject({ state: 'failed', name: 'ferry/ci' });
    expect(
      statusRequest({ forge: 'gitlab', api: 'x', repo: 'a/b', sha, token: 't' }, { ...status, state: 'running' }).body
        .state,
    ).toBe('running');
    expect(
      statusRequest({ forge: 'gitlab', api: 'x', repo: 'a/b', sha, token: 't' }, { ...status, state: 'cancelled' }).body
        .state,
    ).toBe('canceled');
  });
  it('Gitea: the GitHub path with `Authorization: token`; running is pending, cancelled is error', () => {
    const request = statusRequest(
      { forge: 'gitea', api: 'https://gitea.test/api/v1', repo: 'acme/shop', sha, token: 't3' },
      { ...status, state: 'running' },
    );
    expect(request.url).toBe(`https://gitea.test/api/v1/repos/acme/shop/statuses/${sha}`);
    expect(request.headers.authorization).toBe('token t3');
    expect(request.body.state).toBe('pending');
    expect(
      statusRequest({ forge: 'gitea', api: 'x', repo: 'a/b', sha, token: 't' }, { ...status, state: 'cancelled' }).body
        .state,
    ).toBe('error');
  });
});

describe('statusOfRun', () => {
  it.each([
    [{ status: 'queued' }, 'pending', 'queued'],
    [{ status: 'running', runner: 'r-7' }, 'running', 'running on r-7'],
    [{ status: 'retrying', reason: 'docker unreachable' }, 'pending', 'retrying after: docker unreachable'],
    [{ status: 'success', durationMs: 12_345 }, 'success', 'passed in 12.3s'],
    [{ status: 'failed', jobs: { a: 'success', b: 'failed', c: 'timed-out' } }, 'failure', 'failed: b, c'],
    [{ status: 'cancelled' }, 'cancelled', 'cancelled'],
    [
      { status: 'error', reason: 'ferry.yml:3:1 SPEC_INVALID jobs: expected a mapping' },
      'error',
      'ferry.yml:3:1 SPEC_INVALID jobs: expected a mapping',
    ],
    [{ status: 'runner-lost' }, 'error', 'runner-lost'],
  ] as const)('%j → %s "%s"', (patch, state, description) => {
    expect(statusOfRun(record(patch as Partial<RunRecord>))).toEqual({ state, description });
  });
  it('keeps the description to one line of at most 140 characters', () => {
    const long = statusOfRun(record({ status: 'error', reason: `${'x'.repeat(300)}\nsecond line` }));
    expect(long.description).toHaveLength(140);
    expect(long.description).not.toContain('\n');
  });
  it('names the context after the pipeline file', () => {
    expect(statusContext(undefined)).toBe('ferry/ferry');
    expect(statusContext('pipelines/deploy.yaml')).toBe('ferry/deploy');
  });
});

describe('status endpoints in the serve config', () => {
  const text = `statuses:
  url: https://ferry.example.com
  github: { tokenEnv: GH_STATUS }
  gitea: { api: https://gitea.test/api/v1, token: inline-token }
repositories:
  - { forge: github, name: acme/shop, status: { tokenEnv: SHOP_STATUS } }
  - { forge: github, name: acme/quiet, status: false }
  - { forge: github, name: acme/other }
`;
  it('resolves tokens from the environment, per forge and per repository, with the forge API defaults', () => {
    const loaded = parseServeConfig(text, 'serve.yml', { GH_STATUS: 'gh-t', SHOP_STATUS: 'shop-t' });
    const settings: StatusSettings = loaded.statuses;
    expect(settings.publicUrl).toBe('https://ferry.example.com');
    expect(statusEndpointFor(settings, 'github', 'ACME/Shop')).toEqual({
      api: 'https://api.github.com',
      token: 'shop-t',
    });
    expect(statusEndpointFor(settings, 'github', 'acme/other')).toEqual({
      api: 'https://api.github.com',
      token: 'gh-t',
    });
    expect(statusEndpointFor(settings, 'github', 'acme/quiet')).toBeUndefined();
    expect(statusEndpointFor(settings, 'gitea', 'acme/shop')).toEqual({
      api: 'https://gitea.test/api/v1',
      token: 'inline-token',
    });
    expect(statusEndpointFor(settings, 'gitlab', 'acme/shop')).toBeUndefined();
  });
  it('names the file, line and field of a missing token or a Gitea without its API', () => {
    const run =
      (yaml: string, env = {}) =>
      () =>
        parseServeConfig(yaml, 'serve.yml', env);
    expect(run(text)).toThrow(
      /serve\.yml:3:\d+ SERVE_CONFIG_INVALID statuses\.github\.tokenEnv: \$GH_STATUS is not set/,
    );
    expect(run('statuses:\n  gitea: { token: t }\n')).toThrow(
      /serve\.yml:2:\d+ SERVE_CONFIG_INVALID statuses\.gitea: expected api/,
    );
    expect(run('statuses:\n  gitlab: { api: https://gitlab.test/api/v4 }\n')).toThrow(
      /statuses\.gitlab: expected token or tokenEnv/,
    );
    expect(run('statuses:\n  github: { tokenEnv: T, api: not-a-url }\n', { T: 'x' })).toThrow(
      /statuses\.github\.api: expected the API base URL/,
    );
    expect(run('statuses:\n  gitlab: { token: t, checks: true }\n')).toThrow(
      /serve\.yml:2:\d+ SERVE_CONFIG_INVALID statuses\.gitlab\.checks: check runs are GitHub’s/,
    );
  });
  it('takes checks: true for a GitHub App token, per forge or per repository', () => {
    const loaded = parseServeConfig(
      'statuses:\n  github: { tokenEnv: APP, checks: true }\nrepositories:\n  - { forge: github, name: acme/shop, status: { token: pat } }\n  - { forge: github, name: acme/app, status: { api: "https://ghe.test/api/v3" } }\n',
      'serve.yml',
      { APP: 'ghs-app' },
    );
    expect(loaded.statuses.forges.github).toEqual({ api: 'https://api.github.com', token: 'ghs-app', checks: true });
    // Its own token is not the App's; without one it inherits the App's token and its checks.
    expect(loaded.statuses.repositories[0]?.status).toEqual({ api: 'https://api.github.com', token: 'pat' });
    expect(loaded.statuses.repositories[1]?.status).toEqual({
      api: 'https://ghe.test/api/v3',
      token: 'ghs-app',
      checks: true,
    });
  });
  it('never puts a token in an error message', () => {
    expect.assertions(1);
    try {
      parseServeConfig('statuses:\n  gitea: { token: s3cret-Token }\n', 'serve.yml', {});
    } catch (error) {
      expect((error as Error).message).not.toContain('s3cret-Token');
    }
  });
});
