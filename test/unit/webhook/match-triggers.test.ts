import { parsePipeline, type PipelineSpec } from '@ferry/engine';
import { describe, expect, it } from 'vitest';
import { matchGlobList } from '../../../packages/engine/src/plan/match-glob-list.js';
import { matchTriggers, needsPaths } from '../../../packages/runner/src/webhook/match-triggers.js';
import type { Trigger } from '../../../packages/runner/src/webhook/trigger.js';

const jobs = 'jobs:\n  a:\n    image: ferry/busybox:1\n    steps:\n      - run: "true"\n';
function on(yaml: string): PipelineSpec['on'] {
  const parsed = parsePipeline(`on:\n${yaml.replace(/^/gm, '  ')}\n${jobs}`, 'ferry.yml');
  if (!parsed.spec) throw new Error(parsed.issues.map((issue) => issue.message).join('\n'));
  return parsed.spec.on;
}

const base = { forge: 'github', repo: 'acme/shop', cloneUrl: 'file:///x', sha: 'a'.repeat(40), fork: false } as const;
const push = (branch: string): Trigger => ({ ...base, event: 'push', ref: `refs/heads/${branch}`, branch });
const tag = (name: string): Trigger => ({ ...base, event: 'tag', ref: `refs/tags/${name}`, tag: name });
const pr = (baseBranch: string, action: 'opened' | 'synchronize' | 'reopened' = 'opened'): Trigger => ({
  ...base,
  event: 'pull_request',
  ref: 'refs/pull/7/head',
  branch: 'feature',
  pullRequest: { number: 7, action, baseBranch },
});

describe('matchGlobList', () => {
  it('reads patterns in order: later ones override, ! excludes', () => {
    expect(matchGlobList('release/1.0', ['release/*'])).toBe(true);
    expect(matchGlobList('release/1.0/hotfix', ['release/*'])).toBe(false);
    expect(matchGlobList('release/1.0/hotfix', ['release/**'])).toBe(true);
    expect(matchGlobList('release/beta', ['release/*', '!release/beta'])).toBe(false);
    expect(matchGlobList('release/beta', ['release/*', '!release/b*', 'release/beta'])).toBe(true);
    expect(matchGlobList('docs/.nojekyll', ['docs/**'])).toBe(true);
    expect(matchGlobList('main', ['!main'])).toBe(false);
  });
});

describe('matchTriggers', () => {
  it('runs every push and tag, but no pull request, when the pipeline has no on:', () => {
    expect(matchTriggers(undefined, push('anything'), undefined)).toEqual({ run: true, trigger: 'push' });
    expect(matchTriggers(undefined, tag('v1'), undefined)).toEqual({ run: true, trigger: 'tag' });
    expect(matchTriggers(undefined, pr('main'), undefined)).toMatchObject({
      run: false,
      reason: expect.stringContaining('on: { pull_request'),
    });
  });

  it('filters branches with globs and branchesIgnore', () => {
    const filter = on('push: { branches: [main, "release/*"], branchesIgnore: ["release/old-*"] }');
    expect(matchTriggers(filter, push('main'), undefined)).toEqual({ run: true, trigger: 'push' });
    expect(matchTriggers(filter, push('release/2.0'), undefined)).toEqual({ run: true, trigger: 'push' });
    expect(matchTriggers(filter, push('feature/x'), undefined)).toEqual({
      run: false,
      reason: 'branch "feature/x" matches none of on.push.branches [main, release/*]',
    });
    expect(matchTriggers(filter, push('release/old-1'), undefined)).toEqual({
      run: false,
      reason: 'branch "release/old-1" matches on.push.branchesIgnore [release/old-*]',
    });
  });

  it('takes only tags when on.push filters only tags, and only branches when it filters only branches (as GitHub does)', () => {
    const tagsOnly = on('push: { tags: ["v*"] }');
    expect(matchTriggers(tagsOnly, push('main'), undefined)).toMatchObject({ run: false });
    expect(matchTriggers(tagsOnly, tag('v1.2'), undefined)).toEqual({ run: true, trigger: 'tag' });
    expect(matchTriggers(tagsOnly, tag('nightly'), undefined)).toMatchObject({
      run: false,
      reason: expect.stringContaining('on.push.tags'),
    });
    const branchesOnly = on('push: { branches: [main] }');
    expect(matchTriggers(branchesOnly, tag('v1.2'), undefined)).toMatchObject({
      run: false,
      reason: expect.stringContaining('branches only'),
    });
    const bare = on('push:');
    expect(matchTriggers(bare, push('x'), undefined)).toEqual({ run: true, trigger: 'push' });
    expect(matchTriggers(bare, tag('x'), undefined)).toEqual({ run: true, trigger: 'tag' });
  });

  it('runs a tag for on.tag with its tags filter, and for nothing else', () => {
    const filter = on('tag: { tags: ["v*"] }');
    expect(matchTriggers(filter, tag('v2'), undefined)).toEqual({ run: true, trigger: 'tag' });
    expect(matchTriggers(filter, tag('x2'), undefined)).toMatchObject({
      run: false,
      reason: 'tag "x2" matches none of on.tag.tags [v*]',
    });
    expect(matchTriggers(filter, push('main'), undefined)).toMatchObject({
      run: false,
      reason: expect.stringContaining('no push trigger'),
    });
    expect(matchTriggers(on('manual: {}'), tag('v1'), undefined)).toMatchObject({
      run: false,
      reason: expect.stringContaining('neither a tag nor a push'),
    });
  });

  it('needs one changed path in paths and runs unless every changed path is in pathsIgnore', () => {
    const only = on('push: { paths: ["src/**", "package.json"] }');
    expect(matchTriggers(only, push('main'), ['README.md', 'src/a.ts'])).toEqual({ run: true, trigger: 'push' });
    expect(matchTriggers(only, push('main'), ['README.md', 'docs/x.md'])).toMatchObject({
      run: false,
      reason: expect.stringContaining('no changed path matches on.push.paths'),
    });
    const ignore = on('push: { pathsIgnore: ["docs/**", "*.md"] }');
    expect(matchTriggers(ignore, push('main'), ['docs/a.md', 'README.md'])).toMatchObject({
      run: false,
      reason: expect.stringContaining('every changed path matches on.push.pathsIgnore'),
    });
    expect(matchTriggers(ignore, push('main'), ['docs/a.md', 'src/a.ts'])).toEqual({ run: true, trigger: 'push' });
    const negated = on('push: { paths: ["src/**", "!src/**/*.test.ts"] }');
    expect(matchTriggers(negated, push('main'), ['src/a.test.ts'])).toMatchObject({ run: false });
    expect(matchTriggers(negated, push('main'), ['src/a.ts'])).toMatchObject({ run: true });
  });

  it('lets a push through when its changed paths are unknown, and says so', () => {
    const only = on('push: { paths: ["src/**"] }');
    expect(matchTriggers(only, push('main'), undefined)).toEqual({
      run: true,
      trigger: 'push',
      note: 'changed paths unknown: on.push path filters not applied',
    });
  });

  it('does not apply path filters to tags', () => {
    const filter = on('push: { tags: ["v*"], paths: ["src/**"] }');
    expect(matchTriggers(filter, tag('v1'), ['docs/a.md'])).toEqual({ run: true, trigger: 'tag' });
    expect(needsPaths(filter, tag('v1'))).toBe(false);
    expect(needsPaths(filter, push('main'))).toBe(true);
  });

  it('matches pull requests by their base branch, action types and paths', () => {
    const filter = on('pull_request: { branches: [main], types: [opened, reopened], paths: ["src/**"] }');
    expect(matchTriggers(filter, pr('main'), ['src/a.ts'])).toEqual({ run: true, trigger: 'pull_request' });
    expect(matchTriggers(filter, pr('develop'), ['src/a.ts'])).toMatchObject({
      run: false,
      reason: expect.stringContaining('base branch "develop"'),
    });
    expect(matchTriggers(filter, pr('main', 'synchronize'), ['src/a.ts'])).toMatchObject({
      run: false,
      reason: expect.stringContaining('not in on.pull_request.types'),
    });
    expect(matchTriggers(filter, pr('main'), ['docs/a.md'])).toMatchObject({ run: false });
    expect(matchTriggers(on('pull_request:'), pr('any', 'synchronize'), undefined)).toEqual({
      run: true,
      trigger: 'pull_request',
    });
    expect(matchTriggers(on('push:'), pr('main'), undefined)).toMatchObject({
      run: false,
      reason: expect.stringContaining('no pull_request trigger'),
    });
  });
});
