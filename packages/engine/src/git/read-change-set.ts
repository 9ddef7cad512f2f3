import { execa } from 'execa';
import type { ChangeSet } from '../plan/match-changes.js';

export interface ChangeSetRequest {
  /** What to compare against: a sha or a ref; empty when there is none (a new branch, a manual run). */
  base: string;
  /** The run's commit. */
  head: string;
  /** Compare from the merge base of base and head (a pull request: what the branch changed, as `base...head`). */
  mergeBase?: boolean;
  /** Also count the work tree's uncommitted changes and its untracked, not ignored files but `.ferry/` (`ferry run`). */
  workingTree?: boolean;
  /** Why there is no base, said in the reason when `base` is empty. */
  noBase?: string;
}

/**
 * The files changed between base and head in the repository at `dir`, with renames as a deletion and an
 * addition (both paths count). Never throws: an unknown base or a failing git gives `known: false` and why.
 */
export async function readChangeSet(dir: string, request: ChangeSetRequest): Promise<ChangeSet> {
  if (!request.base) return { known: false, reason: request.noBase ?? 'no base commit to compare against' };
  const git = async (args: string[]) => {
    const result = await execa('git', args, { cwd: dir, reject: false, env: { GIT_OPTIONAL_LOCKS: '0' } });
    return result.exitCode === 0
      ? { ok: true as const, out: result.stdout }
      : { ok: false as const, err: result.stderr };
  };
  const base = await git(['rev-parse', '--verify', '--quiet', `${request.base}^{commit}`]);
  if (!base.ok) return { known: false, reason: `base ${short(request.base)} is not in the repository` };
  let from = base.out.trim();
  if (request.mergeBase) {
    const merged = await git(['merge-base', from, request.head]);
    if (!merged.ok)
      return { known: false, reason: `${short(request.base)} and ${short(request.head)} share no history` };
    from = merged.out.trim();
  }
  const sep = request.mergeBase ? '...' : '..';
  const compared = `${short(request.base)}${sep}${short(request.head)}${request.workingTree ? ' and the working tree' : ''}`;
  const diff = await git(
    request.workingTree
      ? ['diff', '--name-only', '-z', '--no-renames', from]
      : ['diff', '--name-only', '-z', '--no-renames', from, request.head],
  );
  if (!diff.ok) return { known: false, reason: `git diff ${compared} failed: ${diff.err.trim().split('\n')[0] ?? ''}` };
  const paths = new Set(diff.out.split('\0').filter(Boolean));
  if (request.workingTree) {
    const untracked = await git(['ls-files', '-z', '--others', '--exclude-standard']);
    // Ferry's own run store is never part of the workspace (see workspace-files.ts), so it is no change either.
    const files = untracked.ok ? untracked.out.split('\0').filter((file) => file && !file.startsWith('.ferry/')) : [];
    for (const file of files) paths.add(file);
  }
  return { known: true, paths: [...paths].sort(), compared };
}

function short(ref: string): string {
  return /^[0-9a-f]{40,64}$/.test(ref) ? ref.slice(0, 7) : ref;
}
