import type { CommitStatus, StatusTarget } from './commit-status.js';

export interface CheckRunRequest {
  method: 'POST' | 'PATCH';
  url: string;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

/**
 * GitHub's Checks API request for one status of a run (a GitHub App installation token with checks:write):
 * the first creates the check run (POST /repos/{owner}/{repo}/check-runs, with name and head_sha), the later ones
 * update it (PATCH …/check-runs/{id}). queued/running → status queued/in_progress; the outcome → completed
 * with a conclusion (success, failure, cancelled; an infrastructure error is a failure titled so). The token
 * goes only into the headers.
 */
export function checkRunRequest(
  target: StatusTarget,
  status: CommitStatus,
  run: { runId: string; checkRunId?: string; now: number },
): CheckRunRequest {
  const api = target.api.replace(/\/+$/, '');
  const repo = target.repo
    .split('/')
    .map((part) => encodeURIComponent(part))
    .join('/');
  const phase =
    status.state === 'pending'
      ? { status: 'queued' }
      : status.state === 'running'
        ? { status: 'in_progress', started_at: new Date(run.now).toISOString() }
        : {
            status: 'completed',
            conclusion: status.state === 'success' ? 'success' : status.state === 'cancelled' ? 'cancelled' : 'failure',
            completed_at: new Date(run.now).toISOString(),
          };
  const body: Record<string, unknown> = {
    name: status.context,
    external_id: run.runId,
    ...phase,
    output: {
      title: status.state === 'error' ? `error: ${status.description}` : status.description,
      summary: status.description,
    },
    ...(status.targetUrl !== undefined ? { details_url: status.targetUrl } : {}),
  };
  const headers = {
    authorization: `Bearer ${target.token}`,
    accept: 'application/vnd.github+json',
    'x-github-api-version': '2022-11-28',
    'content-type': 'application/json',
  };
  return run.checkRunId === undefined
    ? { method: 'POST', url: `${api}/repos/${repo}/check-runs`, headers, body: { ...body, head_sha: target.sha } }
    : { method: 'PATCH', url: `${api}/repos/${repo}/check-runs/${encodeURIComponent(run.checkRunId)}`, headers, body };
}
