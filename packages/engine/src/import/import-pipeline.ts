import { stringify } from 'yaml';
import { detectFormat } from './detect-format.js';
import type { ImportFormat, ImportOptions, ImportResult, SourceReader } from './import-types.js';
import { ImportReport, readSource } from './read-source.js';
import { translateGithub } from './translate-github.js';
import { translateGitlab } from './translate-gitlab.js';

export type ImportOutcome =
  (ImportResult & { ok: true }) | { ok: false; format?: ImportFormat; problem: string; line: number };

/**
 * A GitHub Actions workflow or a GitLab CI file (told apart by content) as a Ferry pipeline. Pure: files it
 * refers to (composite actions, reusable workflows, `.nvmrc`, `go.mod`, GitLab `include: local`) are read
 * through `reader`. The result still has to pass Ferry's own validation; the report says what changed.
 */
export function importPipeline(
  text: string,
  file: string,
  reader: SourceReader,
  options: ImportOptions = {},
): ImportOutcome {
  const source = readSource(text, file);
  const [error] = source.errors;
  if (error) return { ok: false, problem: `not valid YAML: ${error.message}`, line: error.line };
  const format = detectFormat(source.data);
  if (!format) {
    return {
      ok: false,
      problem: 'neither a GitHub Actions workflow (jobs with runs-on) nor a GitLab CI file (jobs with script)',
      line: 1,
    };
  }
  const report = new ImportReport();
  const pipeline =
    format === 'github'
      ? translateGithub(source, reader, options, report)
      : translateGitlab(source, reader, options, report);
  const entries = report.entries.sort((a, b) =>
    a.file === b.file ? a.line - b.line : a.file === file ? -1 : b.file === file ? 1 : a.file.localeCompare(b.file),
  );
  return { ok: true, format, pipeline, entries, text: serializePipeline(pipeline, file, format) };
}

/** The pipeline as YAML, with a header saying where it came from. */
export function serializePipeline(pipeline: Record<string, unknown>, file: string, format: ImportFormat): string {
  const header = `# Imported from ${file} (${format === 'github' ? 'GitHub Actions' : 'GitLab CI'}) by ferry import.\n# What changed, was approximated or dropped is in the import report (ferry import prints it).\n`;
  return header + stringify(pipeline, { lineWidth: 0, aliasDuplicateObjects: false });
}
