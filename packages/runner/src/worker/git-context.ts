import type { GitContext } from '@ferry/engine';
import { redactUrl } from '../open-redis.js';

/**
 * The git context of a queued run, from what the request says rather than from the detached checkout
 * (which knows no branch): `refs/heads/x` is branch x, `refs/tags/v1` tag v1; no ref means the sha itself.
 */
export function gitContextFor(request: { repo: string; ref: string }, sha: string): GitContext {
  const ref = request.ref || sha;
  return {
    sha,
    shortSha: sha.slice(0, 7),
    branch: ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : '',
    tag: ref.startsWith('refs/tags/') ? ref.slice('refs/tags/'.length) : '',
    ref,
    repo: redactUrl(request.repo),
  };
}
