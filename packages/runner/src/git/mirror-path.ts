import { createHash } from 'node:crypto';
import path from 'node:path';
import { withoutCredentials } from './clone-credentials.js';

/**
 * Where a repository's bare mirror lives under `root`: `<name>-<hash of the URL>.git`. The URL is taken without
 * credentials, so a rotated token keeps its mirror. The runner's checkouts and the server's pipeline reads use it.
 */
export function mirrorPathFor(root: string, repo: string): string {
  const url = withoutCredentials(repo);
  const base =
    (
      url
        .replace(/\/+$/, '')
        .replace(/\.git$/, '')
        .split(/[/:]/)
        .pop() ?? 'repo'
    )
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .slice(0, 40) || 'repo';
  return path.join(root, `${base}-${createHash('sha256').update(url).digest('hex').slice(0, 12)}.git`);
}
