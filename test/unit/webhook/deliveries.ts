import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** A fixture payload (test/fixtures/webhooks/<forge>/<name>.json), parsed: change it, then sign it with deliveryOf. */
export function loadFixture<T = Record<string, any>>(
  forge: 'github' | 'gitlab' | 'gitea' | 'generic',
  name: string,
): T {
  return JSON.parse(
    readFileSync(new URL(`../../fixtures/webhooks/${forge}/${name}.json`, import.meta.url), 'utf8'),
  ) as T;
}

export interface Delivery {
  headers: Record<string, string>;
  body: string;
  id: string;
}

/** The headers and body a forge sends: its event and delivery headers, and the signature computed the way the forge computes it. */
export function deliveryOf(
  forge: 'github' | 'gitlab' | 'gitea' | 'generic',
  event: string,
  payload: unknown,
  secret: string,
  id: string = randomUUID(),
): Delivery {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const hmac = createHmac('sha256', secret).update(body).digest('hex');
  const common = { 'content-type': 'application/json' };
  switch (forge) {
    case 'github':
      return {
        id,
        body,
        headers: {
          ...common,
          'user-agent': 'GitHub-Hookshot/044aadd',
          'x-github-event': event,
          'x-github-delivery': id,
          'x-github-hook-id': '109948940',
          'x-hub-signature-256': `sha256=${hmac}`,
        },
      };
    case 'gitlab':
      return {
        id,
        body,
        headers: {
          ...common,
          'user-agent': 'GitLab/17.6.0',
          'x-gitlab-event': event,
          'x-gitlab-token': secret,
          'x-gitlab-event-uuid': id,
          'idempotency-key': id,
          'x-gitlab-instance': 'http://gitlab.example.com',
        },
      };
    case 'gitea':
      return {
        id,
        body,
        headers: {
          ...common,
          'user-agent': 'Go-http-client/1.1',
          'x-gitea-event': event,
          'x-gitea-event-type': event,
          'x-gitea-delivery': id,
          'x-gitea-signature': hmac,
          'x-hub-signature-256': `sha256=${hmac}`,
        },
      };
    case 'generic':
      return {
        id,
        body,
        headers: {
          ...common,
          'x-ferry-event': event,
          'x-ferry-delivery': id,
          'x-ferry-signature-256': `sha256=${hmac}`,
        },
      };
  }
}

/** A GitHub push fixture pointed at a commit: `ref`, `after`, `head_commit.id` and the commit's files. */
export function githubPush(options: {
  ref: string;
  sha: string;
  before?: string;
  paths?: string[];
  repo?: string;
  cloneUrl?: string;
}): Record<string, any> {
  const payload = loadFixture('github', options.ref.startsWith('refs/tags/') ? 'push-tag' : 'push');
  payload.ref = options.ref;
  payload.after = options.sha;
  if (options.before !== undefined) payload.before = options.before;
  payload.head_commit.id = options.sha;
  if (options.paths !== undefined) {
    payload.commits = [{ ...payload.head_commit, id: options.sha, added: [], removed: [], modified: options.paths }];
    payload.head_commit.modified = options.paths;
  }
  if (options.repo !== undefined) payload.repository.full_name = options.repo;
  if (options.cloneUrl !== undefined) payload.repository.clone_url = options.cloneUrl;
  return payload;
}
