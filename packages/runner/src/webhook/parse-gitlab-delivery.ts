import { z } from 'zod';
import { commitFilesSchema, pathsOfCommits, readPayload, shaField } from './payload-fields.js';
import { splitRef, ZERO_SHA, type ParsedDelivery, type PullRequestAction } from './trigger.js';

const project = z.object({ path_with_namespace: z.string().min(1), git_http_url: z.string().min(1) });

const pushSchema = z.object({
  object_kind: z.enum(['push', 'tag_push']),
  ref: z.string().min(1),
  before: shaField,
  after: shaField,
  checkout_sha: shaField.nullish(),
  user_username: z.string().nullish(),
  user_name: z.string().nullish(),
  project,
  commits: z.array(commitFilesSchema).nullish(),
  total_commits_count: z.number().int().nullish(),
});

const mergeRequestSchema = z.object({
  object_kind: z.literal('merge_request'),
  user: z.object({ username: z.string().optional() }).nullish(),
  project,
  object_attributes: z.object({
    iid: z.number().int(),
    action: z.string().nullish(),
    oldrev: z.string().nullish(),
    source_branch: z.string(),
    target_branch: z.string(),
    source_project_id: z.number().int().nullish(),
    target_project_id: z.number().int(),
    last_commit: z.object({ id: shaField }),
  }),
});

/**
 * A GitLab delivery (`X-Gitlab-Event`: Push Hook, Tag Push Hook, Merge Request Hook; system hooks name the
 * same kinds in `object_kind`) → a trigger. Merge requests: open, reopen, and update when it brings new commits
 * (`oldrev` set); an update of the title or labels does not run.
 */
export function parseGitlabDelivery(event: string, payload: unknown): ParsedDelivery {
  const kind = event === 'System Hook' ? stringField((payload as { object_kind?: unknown })?.object_kind) : event;
  switch (kind) {
    case 'Push Hook':
    case 'Tag Push Hook':
    case 'push':
    case 'tag_push':
      return parsePush(payload);
    case 'Merge Request Hook':
    case 'merge_request':
      return parseMergeRequest(payload);
    default:
      return {
        kind: 'ignored',
        reason: `GitLab event "${kind}" does not start runs (Push Hook, Tag Push Hook and Merge Request Hook do)`,
      };
  }
}

function parsePush(payload: unknown): ParsedDelivery {
  const read = readPayload(pushSchema, payload);
  if (!read.ok) return { kind: 'malformed', problems: read.problems };
  const push = read.value;
  if (ZERO_SHA.test(push.after) || push.checkout_sha === null)
    return { kind: 'ignored', reason: `${push.ref} was deleted` };
  const target = splitRef(push.ref);
  if (!target) return { kind: 'ignored', reason: `${push.ref} is neither a branch nor a tag` };
  const commits = push.commits ?? [];
  // GitLab lists at most 20 commits of a push; total_commits_count tells whether that is all of them.
  const complete =
    commits.length > 0 &&
    push.total_commits_count !== undefined &&
    push.total_commits_count !== null &&
    commits.length >= push.total_commits_count;
  const author = push.user_username ?? push.user_name ?? undefined;
  return {
    kind: 'trigger',
    trigger: {
      forge: 'gitlab',
      event: 'tag' in target ? 'tag' : 'push',
      repo: push.project.path_with_namespace,
      cloneUrl: push.project.git_http_url,
      // checkout_sha is the commit; for an annotated tag `after` is the tag object.
      sha: push.checkout_sha ?? push.after,
      ref: push.ref,
      ...target,
      ...(ZERO_SHA.test(push.before) ? {} : { before: push.before }),
      ...(complete ? { paths: pathsOfCommits(commits) } : {}),
      ...(author !== undefined ? { author } : {}),
      fork: false,
    },
  };
}

const mergeRequestActions: Record<string, PullRequestAction> = {
  open: 'opened',
  reopen: 'reopened',
  update: 'synchronize',
};

function parseMergeRequest(payload: unknown): ParsedDelivery {
  const read = readPayload(mergeRequestSchema, payload);
  if (!read.ok) return { kind: 'malformed', problems: read.problems };
  const { project: target, object_attributes: mr, user } = read.value;
  const action = mergeRequestActions[mr.action ?? ''];
  if (!action)
    return {
      kind: 'ignored',
      reason: `merge request action "${mr.action ?? ''}" does not start runs (open, update with new commits, and reopen do)`,
    };
  if (mr.action === 'update' && !mr.oldrev)
    return { kind: 'ignored', reason: 'a merge request update without new commits does not start runs' };
  return {
    kind: 'trigger',
    trigger: {
      forge: 'gitlab',
      event: 'pull_request',
      repo: target.path_with_namespace,
      cloneUrl: target.git_http_url,
      sha: mr.last_commit.id,
      ref: `refs/merge-requests/${mr.iid}/head`,
      branch: mr.source_branch,
      pullRequest: { number: mr.iid, action, baseBranch: mr.target_branch },
      ...(user?.username !== undefined ? { author: user.username } : {}),
      fork: mr.source_project_id !== mr.target_project_id,
    },
  };
}

function stringField(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
