import { parsePipeline, type ParsePipelineResult } from '../pipeline/parse-pipeline.js';
import type { PipelineIssue } from '../pipeline/pipeline-issue.js';
import { detectFormat } from './detect-format.js';
import { importPipeline } from './import-pipeline.js';
import { readSource } from './read-source.js';
import type { ImportEntry, ImportOptions, SourceReader } from './import-types.js';

const noFiles: SourceReader = { read: () => undefined };

const codes = { changed: 'IMPORT_CHANGED', approximated: 'IMPORT_APPROXIMATED', dropped: 'IMPORT_DROPPED' } as const;

/** An import report entry as a warning, printed like any other pipeline issue. */
export function importEntryIssue(entry: ImportEntry): PipelineIssue {
  return {
    code: codes[entry.kind],
    file: entry.file,
    line: entry.line,
    col: 1,
    path: '',
    message: entry.message,
    severity: 'warning',
  };
}

/**
 * Whether a file is a GitHub workflow or a GitLab CI file (else it is Ferry's own). The file is parsed only when
 * its name or text suggests it (`.github/workflows/`, `.gitlab-ci.yml`, `runs-on:`, `script:`).
 */
export function isForeignPipeline(text: string, file: string): boolean {
  if (!/(^|\/)\.github\/workflows\/|\.gitlab-ci\.ya?ml$/.test(file) && !/^\s+runs-on:|^\s+script:/m.test(text))
    return false;
  const source = readSource(text, file);
  return source.errors.length > 0
    ? /(^|\/)\.github\/workflows\/|\.gitlab-ci\.ya?ml$/.test(file)
    : detectFormat(source.data) !== undefined;
}

/**
 * Parses a pipeline file that may be Ferry's own, a GitHub Actions workflow or a GitLab CI file. A foreign
 * file is translated in memory and its import report comes back as warnings (IMPORT_*); issues in the
 * translation name the file as `<file> (imported)`, since their lines are the translation's.
 */
export function parseAnyPipeline(
  text: string,
  file: string,
  reader: SourceReader = noFiles,
  options: ImportOptions = {},
): ParsePipelineResult {
  if (!isForeignPipeline(text, file)) return parsePipeline(text, file);
  const imported = importPipeline(text, file, reader, options);
  if (!imported.ok) {
    if (imported.format === undefined && !/not valid YAML/.test(imported.problem)) return parsePipeline(text, file);
    return {
      issues: [{ code: 'SPEC_YAML', file, line: imported.line, col: 1, path: '', message: imported.problem }],
      warnings: [],
      locate: () => ({ file, line: 1, col: 1 }),
    };
  }
  const parsed = parsePipeline(imported.text, `${file} (imported)`);
  return { ...parsed, warnings: [...imported.entries.map(importEntryIssue), ...parsed.warnings] };
}
