import { readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { parseAnyPipeline } from '../import/parse-any-pipeline.js';
import type { ImportOptions, SourceReader } from '../import/import-types.js';
import type { ParsePipelineResult } from '../pipeline/parse-pipeline.js';

/**
 * Reads and parses a pipeline file: Ferry's own, or a GitHub Actions workflow or GitLab CI file, translated in
 * memory (its import report comes back as warnings; `importOptions` maps tools to images). `shownAs` is the name issues carry (a path relative to the user's
 * directory, say). A file that cannot be read is a SPEC_NOT_FOUND issue at line 0 (the file as a whole).
 */
export function loadPipeline(
  path: string,
  shownAs: string = path,
  importOptions: ImportOptions = {},
): ParsePipelineResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT'
        ? 'pipeline file not found'
        : `cannot read the pipeline file (${code ?? (error as Error).message})`;
    return {
      issues: [{ code: 'SPEC_NOT_FOUND', file: shownAs, line: 0, col: 0, path: '', message }],
      warnings: [],
      locate: () => ({ line: 0, col: 0 }),
    };
  }
  return parseAnyPipeline(text, shownAs, fileReader(repositoryRootOf(path)), importOptions);
}

/** The repository a file belongs to: the nearest directory up with a .git, else the file's directory. */
export function repositoryRootOf(path: string): string {
  const start = dirname(path);
  for (let dir = start; ; dir = dirname(dir)) {
    if (statSync(join(dir, '.git'), { throwIfNoEntry: false })) return dir;
    if (dirname(dir) === dir) break;
  }
  const workflows = /^(.*)[/\\]\.github[/\\]workflows$/.exec(start);
  return workflows?.[1] ?? start;
}

/** Reads repository files for an import (composite actions, reusable workflows, includes), never outside `root`. */
export function fileReader(root: string): SourceReader {
  return {
    read(path) {
      const full = join(root, path);
      if (relative(root, full).startsWith('..')) return undefined;
      try {
        return statSync(full).isFile() && statSync(full).size <= 2 << 20 ? readFileSync(full, 'utf8') : undefined;
      } catch {
        return undefined;
      }
    },
  };
}
