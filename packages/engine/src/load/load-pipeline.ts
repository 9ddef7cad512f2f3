import { readFileSync } from 'node:fs';
import { parsePipeline, type ParsePipelineResult } from '../pipeline/parse-pipeline.js';

/**
 * Reads and parses a pipeline file. `shownAs` is the name issues carry (a path relative to the user's
 * directory, say). A file that cannot be read is a SPEC_NOT_FOUND issue at line 0 (the file as a whole).
 */
export function loadPipeline(path: string, shownAs: string = path): ParsePipelineResult {
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
  return parsePipeline(text, shownAs);
}
