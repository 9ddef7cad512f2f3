import type { RunRecord } from '../queue/run-record.js';

/** The forges Ferry reports commit statuses to. */
export const statusForges = ['github', 'gitlab', 'gitea'] as const;
export type StatusForge = (typeof statusForges)[number];

/** Ferry's own view of a commit status; each forge's request maps it to its words. */
export type CommitState = 'pending' | 'running' | 'success' | 'failure' | 'cancelled' | 'error';

export interface CommitStatus {
  state: CommitState;
  /** One line, at most 140 characters (GitHub's limit). */
  description: string;
  /** One per pipeline: `ferry/<pipeline file name>`, so two pipelines of one commit show apart. */
  context: string;
  targetUrl?: string;
}

/** Where a status goes: the forge's API base, the repository as the forge names it, the commit, and the token. */
export interface StatusTarget {
  forge: StatusForge;
  api: string;
  repo: string;
  sha: string;
  token: string;
}

export interface StatusRequest {
  url: string;
  headers: Record<string, string>;
  body: Record<string, string>;
}

/** `ferry/ci` for ci.yml, `ferry/ferry` for ferry.yml; the context stays the same from pending to the end. */
export function statusContext(pipelinePath: string | undefined): string {
  const file = (pipelinePath ?? 'ferry.yml').split('/').pop() ?? 'ferry.yml';
  return `ferry/${file.replace(/\.ya?ml$/, '') || 'ferry'}`;
}

/** What a run's record says to the forge: queued/running → pending, then the outcome with its reason. */
export function statusOfRun(record: RunRecord): Pick<CommitStatus, 'state' | 'description'> {
  const seconds = record.durationMs !== undefined ? ` in ${(record.durationMs / 1000).toFixed(1)}s` : '';
  const failedJobs = Object.entries(record.jobs ?? {})
    .filter(([, status]) => status === 'failed' || status === 'timed-out')
    .map(([job]) => job);
  const described = (state: CommitState, text: string) => ({ state, description: oneLine(text) });
  switch (record.status) {
    case 'queued':
      return described('pending', 'queued');
    case 'retrying':
      return described('pending', `retrying after: ${record.reason ?? 'an infrastructure failure'}`);
    case 'running':
      return described('running', `running${record.runner ? ` on ${record.runner}` : ''}`);
    case 'success':
      return described('success', `passed${seconds}`);
    case 'failed':
      return described(
        'failure',
        failedJobs.length > 0 ? `failed: ${failedJobs.join(', ')}${seconds}` : `failed${seconds}`,
      );
    case 'cancelled':
      return described('cancelled', 'cancelled');
    case 'error':
    case 'runner-lost':
      return described('error', record.reason ?? record.status);
  }
}

function oneLine(text: string): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > 140 ? `${line.slice(0, 139)}…` : line;
}

/** The forge's documented request for one status. The token goes only into the headers. */
export function statusRequest(target: StatusTarget, status: CommitStatus): StatusRequest {
  const api = target.api.replace(/\/+$/, '');
  const link: Record<string, string> = status.targetUrl !== undefined ? { target_url: status.targetUrl } : {};
  switch (target.forge) {
    case 'github':
      // POST /repos/{owner}/{repo}/statuses/{sha}: state error | failure | pending | success.
      return {
        url: `${api}/repos/${repoPath(target.repo)}/statuses/${target.sha}`,
        headers: {
          authorization: `Bearer ${target.token}`,
          accept: 'application/vnd.github+json',
          'x-github-api-version': '2022-11-28',
          'content-type': 'application/json',
        },
        body: { state: githubState(status.state), description: status.description, context: status.context, ...link },
      };
    case 'gitea':
      // POST /repos/{owner}/{repo}/statuses/{sha}: state pending | success | error | failure | warning.
      return {
        url: `${api}/repos/${repoPath(target.repo)}/statuses/${target.sha}`,
        headers: { authorization: `token ${target.token}`, 'content-type': 'application/json' },
        body: { state: githubState(status.state), description: status.description, context: status.context, ...link },
      };
    case 'gitlab':
      // POST /projects/:id/statuses/:sha, id = the URL-encoded path: pending | running | success | failed | canceled.
      return {
        url: `${api}/projects/${encodeURIComponent(target.repo)}/statuses/${target.sha}`,
        headers: { 'private-token': target.token, 'content-type': 'application/json' },
        body: { state: gitlabState(status.state), description: status.description, name: status.context, ...link },
      };
  }
}

function githubState(state: CommitState): string {
  if (state === 'running') return 'pending';
  if (state === 'cancelled') return 'error';
  return state;
}

function gitlabState(state: CommitState): string {
  if (state === 'failure' || state === 'error') return 'failed';
  if (state === 'cancelled') return 'canceled';
  return state;
}

function repoPath(repo: string): string {
  return repo
    .split('/')
    .map((part) => encodeURIComponent(part))
    .join('/');
}
