import type { GitContext } from '../plan/plan-pipeline.js';

export const OCI_REVISION = 'org.opencontainers.image.revision';
export const OCI_SOURCE = 'org.opencontainers.image.source';
export const OCI_CREATED = 'org.opencontainers.image.created';

/**
 * The OCI annotations Ferry puts on every image it builds: `revision` (the commit), `source` (the repository's
 * web address, without credentials) and `created` (RFC 3339). A label with no value to give is left out.
 */
export function ociLabels(git: Pick<GitContext, 'sha' | 'repo'>, created: Date | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  if (git.sha) labels[OCI_REVISION] = git.sha;
  const source = sourceUrl(git.repo);
  if (source) labels[OCI_SOURCE] = source;
  if (created && !Number.isNaN(created.getTime()))
    labels[OCI_CREATED] = created.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return labels;
}

/**
 * The browsable address of a git remote: `git@host:org/repo.git`, `ssh://git@host:22/org/repo.git` and
 * `https://user:token@host/org/repo.git` all become `https://host/org/repo`. Credentials never survive (the
 * label is public in the image). A local path or a bare name gives undefined.
 */
export function sourceUrl(remote: string): string | undefined {
  const text = remote.trim();
  const scp = /^(?:[^@/\s]+@)?([^:/\s]+):(?!\/)(.+)$/.exec(text);
  if (scp && !/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return `https://${scp[1]}/${trimPath(scp[2] ?? '')}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  const scheme = url.protocol.replace(/:$/, '');
  if (!['http', 'https', 'ssh', 'git', 'git+ssh'].includes(scheme) || url.hostname === '') return undefined;
  const web = scheme === 'http' ? 'http' : 'https';
  const port = web === scheme && url.port ? `:${url.port}` : '';
  const path = trimPath(url.pathname);
  return path ? `${web}://${url.hostname}${port}/${path}` : `${web}://${url.hostname}${port}`;
}

function trimPath(path: string): string {
  return path
    .replace(/^\/+/, '')
    .replace(/\/+$/, '')
    .replace(/\.git$/, '');
}
