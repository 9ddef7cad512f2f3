import type { SpecIssue } from './spec-issue.js';

/**
 * `pipelines/web.yml:7:12 SPEC_INVALID jobs.build.steps[1].run: expected string, got number`;
 * an issue about the whole file (line 0) prints as `ferry.yml: SPEC_NOT_FOUND pipeline file not found`.
 */
export function formatIssue(issue: SpecIssue): string {
  const where = issue.path === '' ? '' : `${issue.path}: `;
  const at = issue.line > 0 ? `${issue.file}:${issue.line}:${issue.col}` : `${issue.file}:`;
  return `${at} ${issue.code} ${where}${issue.message}`;
}

/** One issue per line, in the order given (parseSpec returns them in file order). */
export function formatIssues(issues: readonly SpecIssue[]): string {
  return issues.map(formatIssue).join('\n');
}
