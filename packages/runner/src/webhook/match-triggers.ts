import type { PipelineSpec } from '@ferry/engine';
import { matchGlobList } from '@ferry/engine';
import type { PullRequestAction, Trigger } from './trigger.js';

export type Triggers = NonNullable<PipelineSpec['on']>;

/** The run's trigger (`run.trigger` in expressions) when the pipeline wants it, else why not. */
export type TriggerDecision =
  { run: true; trigger: 'push' | 'tag' | 'pull_request'; note?: string } | { run: false; reason: string };

const defaultPullRequestTypes: readonly PullRequestAction[] = ['opened', 'synchronize', 'reopened'];

/**
 * Whether a pipeline's `on:` wants a trigger, with GitHub's filter semantics:
 * - no `on:` at all: every push (branches and tags) runs; pull requests do not (add `on: pull_request`);
 * - `on.push` with only branch filters ignores tags, with only tag filters ignores branches, with neither takes both;
 * - `branches`/`tags` must match (patterns in order, `!` excludes), `branchesIgnore`/`tagsIgnore` must not;
 * - `paths`: at least one changed path matches; `pathsIgnore`: runs unless every changed path matches. Path
 *   filters do not apply to tags, and when the changed paths are unknown (`paths` undefined) they let it run;
 * - a tag runs for `on.tag` (its `tags` filter) or for `on.push` as above;
 * - `on.pull_request`: `types` (default opened, synchronize, reopened), and `branches` match the base branch.
 * Pure.
 */
export function matchTriggers(
  on: PipelineSpec['on'],
  trigger: Trigger,
  paths: readonly string[] | undefined,
): TriggerDecision {
  switch (trigger.event) {
    case 'push':
      return matchPush(on, trigger.branch ?? '', paths);
    case 'tag':
      return matchTag(on, trigger.tag ?? '');
    case 'pull_request':
      return matchPullRequest(on, trigger, paths);
  }
}

/** Whether deciding needs the changed paths: a path filter applies to this event. */
export function needsPaths(on: PipelineSpec['on'], trigger: Trigger): boolean {
  if (trigger.event === 'tag' || !on) return false;
  const filter = trigger.event === 'push' ? on.push : on.pull_request;
  return Boolean(filter && (filter.paths || filter.pathsIgnore));
}

function matchPush(on: PipelineSpec['on'], branch: string, paths: readonly string[] | undefined): TriggerDecision {
  if (!on) return { run: true, trigger: 'push' };
  if (on.push === undefined) return { run: false, reason: "the pipeline's on: has no push trigger" };
  const push = on.push ?? {};
  const branchFilters = push.branches !== undefined || push.branchesIgnore !== undefined;
  const tagFilters = push.tags !== undefined || push.tagsIgnore !== undefined;
  if (!branchFilters && tagFilters)
    return { run: false, reason: 'on.push filters tags only, so branch pushes do not run' };
  if (push.branches && !matchGlobList(branch, push.branches))
    return { run: false, reason: `branch "${branch}" matches none of on.push.branches ${list(push.branches)}` };
  if (push.branchesIgnore && matchGlobList(branch, push.branchesIgnore))
    return { run: false, reason: `branch "${branch}" matches on.push.branchesIgnore ${list(push.branchesIgnore)}` };
  return matchPaths('on.push', push, paths, 'push');
}

function matchTag(on: PipelineSpec['on'], tag: string): TriggerDecision {
  if (!on) return { run: true, trigger: 'tag' };
  const reasons: string[] = [];
  if (on.tag !== undefined) {
    const tags = on.tag?.tags;
    if (!tags || matchGlobList(tag, tags)) return { run: true, trigger: 'tag' };
    reasons.push(`tag "${tag}" matches none of on.tag.tags ${list(tags)}`);
  }
  if (on.push !== undefined) {
    const push = on.push ?? {};
    const branchFilters = push.branches !== undefined || push.branchesIgnore !== undefined;
    const tagFilters = push.tags !== undefined || push.tagsIgnore !== undefined;
    if (branchFilters && !tagFilters) reasons.push('on.push filters branches only, so tags do not run');
    else if (push.tags && !matchGlobList(tag, push.tags))
      reasons.push(`tag "${tag}" matches none of on.push.tags ${list(push.tags)}`);
    else if (push.tagsIgnore && matchGlobList(tag, push.tagsIgnore))
      reasons.push(`tag "${tag}" matches on.push.tagsIgnore ${list(push.tagsIgnore)}`);
    else return { run: true, trigger: 'tag' };
  }
  if (reasons.length === 0) return { run: false, reason: "the pipeline's on: has neither a tag nor a push trigger" };
  return { run: false, reason: reasons.join('; ') };
}

function matchPullRequest(
  on: PipelineSpec['on'],
  trigger: Trigger,
  paths: readonly string[] | undefined,
): TriggerDecision {
  if (!on)
    return { run: false, reason: 'pipelines without on: do not run for pull requests (add on: { pull_request: {} })' };
  if (on.pull_request === undefined) return { run: false, reason: "the pipeline's on: has no pull_request trigger" };
  const pr = on.pull_request ?? {};
  const action = trigger.pullRequest?.action ?? 'opened';
  const types = pr.types ?? defaultPullRequestTypes;
  if (!types.includes(action))
    return { run: false, reason: `pull request action "${action}" is not in on.pull_request.types ${list(types)}` };
  const base = trigger.pullRequest?.baseBranch ?? '';
  if (pr.branches && !matchGlobList(base, pr.branches))
    return {
      run: false,
      reason: `base branch "${base}" matches none of on.pull_request.branches ${list(pr.branches)}`,
    };
  if (pr.branchesIgnore && matchGlobList(base, pr.branchesIgnore))
    return {
      run: false,
      reason: `base branch "${base}" matches on.pull_request.branchesIgnore ${list(pr.branchesIgnore)}`,
    };
  return matchPaths('on.pull_request', pr, paths, 'pull_request');
}

function matchPaths(
  where: string,
  filter: { paths?: string[]; pathsIgnore?: string[] },
  paths: readonly string[] | undefined,
  trigger: 'push' | 'pull_request',
): TriggerDecision {
  if (!filter.paths && !filter.pathsIgnore) return { run: true, trigger };
  if (paths === undefined)
    return { run: true, trigger, note: `changed paths unknown: ${where} path filters not applied` };
  if (filter.paths && !paths.some((path) => matchGlobList(path, filter.paths ?? []))) {
    return {
      run: false,
      reason: `no changed path matches ${where}.paths ${list(filter.paths)} (changed: ${sample(paths)})`,
    };
  }
  if (filter.pathsIgnore && paths.length > 0 && paths.every((path) => matchGlobList(path, filter.pathsIgnore ?? []))) {
    return {
      run: false,
      reason: `every changed path matches ${where}.pathsIgnore ${list(filter.pathsIgnore)} (changed: ${sample(paths)})`,
    };
  }
  return { run: true, trigger };
}

function list(values: readonly string[]): string {
  return `[${values.join(', ')}]`;
}

function sample(paths: readonly string[]): string {
  if (paths.length === 0) return 'none';
  return paths.length <= 5 ? paths.join(', ') : `${paths.slice(0, 5).join(', ')} and ${paths.length - 5} more`;
}
