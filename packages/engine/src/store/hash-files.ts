import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { globSync } from 'tinyglobby';

/**
 * GitHub's hashFiles(): sha256 over the sha256 of every file matching the globs (relative to `root`), in path
 * order; '' when nothing matches. `.git/` and `.ferry/` are never part of it.
 */
export function hashFiles(root: string, patterns: string[]): string {
  const files = globSync(patterns, { cwd: root, onlyFiles: true, dot: true, ignore: ['.git/**', '.ferry/**'] }).sort();
  if (files.length === 0) return '';
  const outer = createHash('sha256');
  for (const file of files)
    outer.update(
      createHash('sha256')
        .update(readFileSync(join(root, file)))
        .digest(),
    );
  return outer.digest('hex');
}
