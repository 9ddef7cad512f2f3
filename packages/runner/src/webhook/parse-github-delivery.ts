import { z } from 'zod';
import { commitFilesSchema, pathsOfCommits, readPayload, shaField } from './payload-fields.js';
import { pullRequestActions, ZERO_SHA, type ParsedDelivery, type PullRequestAction, pushTrigger } from './trigger.js';

/** GitHub lists at most 2048 commits in a push; a push that hit the cap may touch paths it does not name. */
const GITHUB_MAX_COMMITS = 2048;

const repository = z.object({ full_name: z.string().min(1), clone_url: z.string().min(1) });

const pushSchema = z.object({
  ref: z.string().min(1),
  before: shaField,
  after: shaField,
  deleted: z.boolean().optional(),
  commits: z.array(commitFilesSchema).nullish(),
  head_commit: z.object({ id: shaField }).nullish(),
  repository,
  pusher: z.object({ name: z.string().optional() }).nullish(),
  sender: z.object({ login: z.string().optional() }).nullish(),
});

const pullRequestSchema = z.object({
  action: z.string(),
  number: z.number().int(),
  pull_request: z.object({
    head: z.object({ ref: z.string(), sha: shaField, repo: z.object({ full_name: z.string() }).nullish() }),
    base: z.object({ ref: z.string(), sha: shaField.optional(), repo: z.object({ full_name: z.string() }) }),
    user: z.object({ login: z.string().optional() }).nullish(),
  }),
  repository,
  sender: z.object({ login: z.string().optional() }).nullish(),
});

/**
 * A GitHub delivery (`X-GitHub-Event`) → a trigger. push: branch and tag pushes (a deleted ref is ignored);
 * pull_request: opened, synchronize, reopened; ping: answered. `create` is ignored: GitHub sends a push for
 * every new tag too, and that push is the one that runs.
 */
export function parseGithubDelivery(event: string, payload: unknown): ParsedDelivery {
  switch (event) {
    case 'ping':
      return {
        kind: 'ping',
        message: typeof (payload as { zen?: unknown })?.zen === 'string' ? (payload as { zen: string }).zen : undefined,
      };
    case 'push':
      return parsePush(payload);
    case 'pull_request':
      return parsePullRequest(payload);
    case 'create':
      return {
        kind: 'ignored',
        reason: 'a create event does not start runs: the push GitHub sends for the same tag or branch does',
      };
    default:
      return { kind: 'ignored', reason: `GitHub event "${event}" does not start runs (push and pull_request do)` };
  }
}

function parsePush(payload: unknown): ParsedDelivery {
  const read = readPayload(pushSchema, payload);
  if (!read.ok) return { kind: 'malformed', problems: read.problems };
  const push = read.value;
  if (push.deleted === true || ZERO_SHA.test(push.after)) return { kind: 'ignored', reason: `${push.ref} was deleted` };
  const commits = push.commits ?? [];
  const complete = commits.length > 0 && commits.length < GITHUB_MAX_COMMITS;
  const author = push.pusher?.name ?? push.sender?.login;
  return pushTrigger('github', {
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
  if (!(pullRequestActions as readonly string[]).includes(event.action)) {
    return {
      kind: 'ignored',
      reason: `pull_request action "${event.action}" does not start runs (opened, synchronize and reopened do)`,
    };
  }
  const { head, base, user } = event.pull_request;
  // A deleted fork leaves head.repo null: still someone else's code.
  const fork = !head.repo || head.repo.full_name.toLowerCase() !== base.repo.full_name.toLowerCase();
  const author = user?.login ?? event.sender?.login;
  return {
    kind: 'trigger',
    trigger: {
      forge: 'github',
      event: 'pull_request',
      repo: event.repository.full_name,
      cloneUrl: event.repository.clone_url,
      sha: head.sha,
      ref: `refs/pull/${event.number}/head`,
      branch: head.ref,
      pullRequest: {
        number: event.number,
        action: event.action as PullRequestAction,
        baseBranch: base.ref,
        ...(base.sha !== undefined ? { baseSha: base.sha } : {}),
      },
      ...(author !== undefined ? { author } : {}),
      fork,
    },
  };
}
