import { matchGlobList } from './match-glob-list.js';

/** The files a run's change touched, as git compared them, or why that is not known. */
export type ChangeSet =
  | {
      known: true;
      /** Repository-relative, `/`-separated. */
      paths: string[];
      /** What was compared, for messages: `a1b2c3d..d4e5f6a`, `main...HEAD and the working tree`. */
      compared: string;
    }
  | { known: false; reason: string };

export type ChangesVerdict = { run: true; note: string } | { run: false; reason: string };

/**
 * A job's `changes:` against the run's changed files. It runs when a changed file is selected by the globs
 * (read in order, `!` deselects again, as match-glob-list reads them); when the changed files are unknown it
 * runs too, as GitLab's `rules: changes` does without a push to compare. Pure.
 */
export function matchChanges(patterns: readonly string[], changes: ChangeSet): ChangesVerdict {
  const globs = patterns.join(', ');
  if (!changes.known) return { run: true, note: `changes not compared (${changes.reason}): the job runs` };
  const matched = changes.paths.filter((path) => matchGlobList(path, patterns));
  if (matched.length === 0)
    return { run: false, reason: `no changed file matches ${globs} (compared ${changes.compared})` };
  const shown =
    matched.length <= 3 ? matched.join(', ') : `${matched.slice(0, 3).join(', ')} and ${matched.length - 3} more`;
  return { run: true, note: `${shown} changed, matching ${globs} (compared ${changes.compared})` };
}
