import { basename } from 'node:path';
import { simpleGit } from 'simple-git';
import type { GitContext } from '../plan/plan-pipeline.js';

/** The git context of a work tree; a directory that is not a repository gets empty values, not an error. */
export async function readGitContext(dir: string): Promise<GitContext> {
  const empty: GitContext = { sha: '', shortSha: '', branch: '', ref: '', tag: '', repo: basename(dir) };
  const git = simpleGit(dir);
  if (!(await git.checkIsRepo().catch(() => false))) return empty;
  const sha = await git.revparse(['HEAD']).catch(() => '');
  if (!sha) return empty;
  const branch = await git.revparse(['--abbrev-ref', 'HEAD']).catch(() => 'HEAD');
  const tags = await git.raw(['tag', '--points-at', 'HEAD']).catch(() => '');
  const tag = tags.split('\n').filter(Boolean).sort()[0] ?? '';
  const remote = await git.raw(['config', '--get', 'remote.origin.url']).catch(() => '');
  const onBranch = branch !== 'HEAD';
  return {
    sha,
    shortSha: sha.slice(0, 7),
    branch: onBranch ? branch : '',
    ref: onBranch ? `refs/heads/${branch}` : tag ? `refs/tags/${tag}` : sha,
    tag,
    repo: remote.trim() || basename(dir),
  };
}
