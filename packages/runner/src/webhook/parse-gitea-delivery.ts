import { z } from 'zod';
import { commitFilesSchema, pathsOfCommits, readPayload, shaField } from './payload-fields.js';
import { ZERO_SHA, type ParsedDelivery, type PullRequestAction, pushTrigger } from './trigger.js';

const repository = z.object({ full_name: z.string().min(1), clone_url: z.string().min(1) });
const user = z.object({ login: z.string().optional(), username: z.string().optional() }).nullish();

const pushSchema = z.object({
  ref: z.string().min(1),
  before: shaField,
  after: shaField,
  commits: z.array(commitFilesSchema).nullish(),
  total_commits: z.number().int().nullish(),
  head_commit: z.object({ id: shaField }).nullish(),
  repository,
  pusher: user,
  sender: user,
});

const branch = z.object({ ref: z.string(), sha: shaField, repo_id: z.number().int().nullish() });

const pullRequestSchema = z.object({
  action: z.string(),
  number: z.number().int(),
  pull_request: z.object({ head: branch, base: branch, user }),
  repository,
  sender: user,
});

// Gitea says "synchronized" where GitHub says "synchronize" (modules/structs/hook.go, HookIssueSynchronized).
const pullRequestActions: Record<string, PullRequestAction> = {
  opened: 'opened',
  synchronized: 'synchronize',
  reopened: 'reopened',
};

/**
 * A Gitea (or Forgejo) delivery (`X-Gitea-Event`) → a trigger. push: branches and tags; pull_request: opened,
 * synchronized, reopened. `create` is ignored: Gitea sends a push for a new tag as well, and that one runs.
 */
export function parseGiteaDelivery(event: string, payload: unknown): ParsedDelivery {
  switch (event) {
    case 'push':
      return parsePush(payload);
    case 'pull_request':
      return parsePullRequest(payload);
    case 'create':
      return {
        kind: 'ignored',
        reason: 'a create event does not start runs: the push Gitea sends for the same tag or branch does',
      };
    default:
      return { kind: 'ignored', reason: `Gitea event "${event}" does not start runs (push and pull_request do)` };
  }
}

function parsePush(payload: unknown): ParsedDelivery {
  const read = readPayload(pushSchema, payload);
  if (!read.ok) return { kind: 'malformed', problems: read.problems };
  const push = read.value;
  if (ZERO_SHA.test(push.after)) return { kind: 'ignored', reason: `${push.ref} was deleted` };
  const commits = push.commits ?? [];
  // Gitea lists a limited number of commits; total_commits (newer versions) tells whether that is all.
  const complete = commits.length > 0 && typeof push.total_commits === 'number' && commits.length >= push.total_commits;
  const author = push.pusher?.login ?? push.pusher?.username ?? push.sender?.login;
  return pushTrigger('gitea', {
    ref: push.ref,
    before: push.before,
    after: push.after,
    headSha: push.head_commit?.id,
    repo: push.repository.full_name,
    cloneUrl: push.repository.clone_url,
    paths: complete ? pathsOfCommits(commits) : undefined,
    author,
  });
}

function parsePullRequest(payload: unknown): ParsedDelivery {
  const read = readPayload(pullRequestSchema, payload);
  if (!read.ok) return { kind: 'malformed', problems: read.problems };
  const event = read.value;
  const action = pullRequestActions[event.action];
  if (!action)
    return {
      kind: 'ignored',
      reason: `pull_request action "${event.action}" does not start runs (opened, synchronized and reopened do)`,
    };
  const { head, base } = event.pull_request;
  const author = event.pull_request.user?.login ?? event.sender?.login;
  return {
    kind: 'trigger',
    trigger: {
      forge: 'gitea',
      event: 'pull_request',
      repo: event.repository.full_name,
      cloneUrl: event.repository.clone_url,
      sha: head.sha,
      ref: `refs/pull/${event.number}/head`,
      branch: head.ref,
      pullRequest: { number: event.number, action, baseBranch: base.ref, baseSha: base.sha },
      ...(author !== undefined ? { author } : {}),
      fork: head.repo_id !== base.repo_id,
    },
  };
}
