import { readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import type { IncludedFile } from '../pipeline/compose-pipeline.js';
import type { ParsePipelineResult } from '../pipeline/parse-pipeline.js';
import { fileSizeMessage } from '../pipeline/pipeline-limits.js';
import { collectIncludesSync } from './collect-includes.js';
import { pipelineParseCache } from './pipeline-parse-cache.js';
import { isForeignPipeline, parseAnyPipeline } from '../import/parse-any-pipeline.js';
import type { ImportOptions, SourceReader } from '../import/import-types.js';

/**
 * Reads and parses a pipeline file with the files it includes. `shownAs` is the name issues carry (a path
 * relative to the user's directory, say); included files are named the same way. A file that cannot be read is a
 * SPEC_NOT_FOUND issue at line 0 (the file as a whole). Includes are relative to the repository root: the git
 * top-level above the file (the directory holding `.git`), or the file's directory outside a repository.
 * A GitHub Actions workflow or GitLab CI file is translated in memory instead (docs/import.md): its import report
 * comes back as warnings, and `importOptions` maps tools to images. A file's parse is remembered by its content
 * (pipelineParseCache): the result is frozen, shared with later loads of the same text.
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
      locate: () => ({ file: shownAs, line: 0, col: 0 }),
    };
  }
  const root = repositoryRoot(dirname(path));
  if (isForeignPipeline(text, shownAs)) return parseAnyPipeline(text, shownAs, fileReader(root), importOptions);
  const show = (repoPath: string) => join(dirname(shownAs), relative(dirname(path), join(root, repoPath)));
  const includes = collectIncludesSync(
    text,
    shownAs,
    toRepoPath(relative(root, path)),
    (repoPath) => readIncluded(root, repoPath, show(repoPath)),
    (included, file) => pipelineParseCache.listIncludes(included, file),
  );
  return pipelineParseCache.parse(text, shownAs, includes);
}

function readIncluded(root: string, repoPath: string, file: string): IncludedFile | undefined {
  const path = join(root, repoPath);
  try {
    // A symbolic link may point anywhere: what is read must be inside the repository.
    const real = realpathSync(path);
    if (real !== realpathSync(root) && !real.startsWith(realpathSync(root) + sep))
      return { file, code: 'SPEC_INCLUDE', message: 'is a link to a file outside the repository' };
    const stat = statSync(real);
    if (!stat.isFile()) return { file, code: 'SPEC_INCLUDE', message: 'is not a file' };
    const tooLarge = fileSizeMessage(stat.size);
    if (tooLarge !== undefined) return { file, code: 'SPEC_LIMIT', message: tooLarge };
    return { file, text: readFileSync(real, 'utf8') };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    return { file, code: 'SPEC_INCLUDE', message: `cannot be read (${code ?? (error as Error).message})` };
  }
}

/** The nearest directory from `dir` up that holds `.git` (a directory, or a worktree's file); else `dir`. */
function repositoryRoot(dir: string): string {
  for (let current = dir; ; current = dirname(current)) {
    if (statSync(join(current, '.git'), { throwIfNoEntry: false })) return current;
    if (dirname(current) === current) return dir;
  }
}

function toRepoPath(path: string): string {
  return path.split(sep).join('/');
}

/** The repository a file belongs to: the nearest directory up with a .git, else the file's directory. */
export function repositoryRootOf(path: string): string {
  return repositoryRoot(dirname(path));
}

/** Reads repository files for an import (composite actions, reusable workflows, includes), never outside `root`. */
export function fileReader(root: string): SourceReader {
  return {
    read(repoPath) {
      const read = readIncluded(root, repoPath, repoPath);
      return read && 'text' in read ? read.text : undefined;
    },
  };
}
