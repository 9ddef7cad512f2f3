import type { PipelineIssue } from './pipeline-issue.js';

/**
 * `pipelines/web.yml:7:12 SPEC_INVALID jobs.build.steps[1].run: expected string, got number`;
 * an issue about the whole file (line 0) prints as `ferry.yml: SPEC_NOT_FOUND pipeline file not found`.
 */
export function formatIssue(issue: PipelineIssue): string {
  const where = issue.path === '' ? '' : `${issue.path}: `;
  const at = issue.line > 0 ? `${issue.file}:${issue.line}:${issue.col}` : `${issue.file}:`;
  return `${at} ${issue.severity === 'warning' ? 'warning ' : ''}${issue.code} ${where}${issue.message}`;
}

/** One issue per line, in the order given (parsePipeline returns them in file order). */
export function formatIssues(issues: readonly PipelineIssue[]): string {
  return issues.map(formatIssue).join('\n');
}
