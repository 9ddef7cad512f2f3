import { checkExpressions } from './check-expressions.js';
import { checkSemantics } from './check-semantics.js';
import { checkShellInjection } from './check-shell-injection.js';
import { composePipeline, type PipelineIncludes } from './compose-pipeline.js';
import type { SourcePosition } from './create-source-locator.js';
import { formatPath, parsePath } from './format-path.js';
import { mapSchemaIssues } from './map-schema-issues.js';
import { jobCountMessage } from './pipeline-limits.js';
import { PipelineSchema, type PipelineSpec } from './pipeline-schema.js';
import type { PipelineIssue } from './pipeline-issue.js';
import { readDocument } from './read-document.js';

export interface ParsePipelineResult {
  /** Present only when there are no issues. */
  spec?: PipelineSpec;
  /** Every problem found, in file order. */
  issues: PipelineIssue[];
  /** Problems that leave the file valid (SPEC_SHELL_INJECTION), in file order; empty when it did not parse. */
  warnings: PipelineIssue[];
  /**
   * Places a path like `jobs.deploy.needs` (at its key), e.g. for the planner's issues: in the file that wrote
   * it, which is an included file or a template's when the value came from one.
   */
  locate: (path: string) => SourcePosition & { file: string };
}

/**
 * YAML text → validated pipeline. Never throws on bad input: YAML syntax errors (SPEC_YAML), schema
 * violations (SPEC_INVALID) and semantic problems (SPEC_INVALID, PLAN_UNKNOWN_NEED, EXPR_SYNTAX, EXPR_EVAL)
 * are all collected, each at the file:line:col of the node concerned. Semantic checks that stand on their
 * own (needs, stages, expression syntax, …) run alongside the schema; those that need the whole pipeline
 * to be well-formed (matrix axes, job outputs, secrets) run once it passes. YAML errors stop everything.
 *
 * `includes` holds the files the pipeline's `include:` entries name, read by the caller (load/, `ferry serve`);
 * without it every include is a missing file. Includes, `extends`, templates (`.name` jobs) and `x-` keys are
 * resolved first (compose-pipeline.ts); the result is what is validated, and each issue names the file and
 * line that wrote the value concerned.
 */
export function parsePipeline(text: string, file: string, includes?: PipelineIncludes): ParsePipelineResult {
  const read = readDocument(text, file);
  const whole = { file, line: 1, col: 1 };
  if (read.data === undefined) return { issues: sortIssues(read.issues, file), warnings: [], locate: () => whole };
  if (read.data === null) {
    return {
      issues: [
        { ...whole, code: 'SPEC_INVALID', path: '', message: 'the file is empty; a pipeline needs at least jobs:' },
      ],
      warnings: [],
      locate: () => whole,
    };
  }
  const composed = composePipeline({ data: read.data, file, locate: read.locate }, includes);
  const data = composed.layer.data;
  const place = composed.place;
  const locate = (path: string) => {
    const { file: at, line, col } = place({ code: 'SPEC_INVALID', path: parsePath(path), at: 'key', message: '' });
    return { file: at, line, col };
  };
  if (composed.issues.length > 0) return { issues: sortIssues(composed.issues, file), warnings: [], locate };

  const jobs = (data as { jobs?: unknown } | null)?.jobs;
  const tooManyJobs = jobCountMessage(typeof jobs === 'object' && jobs !== null ? Object.keys(jobs).length : 0);
  if (tooManyJobs !== undefined)
    return {
      issues: [{ code: 'SPEC_LIMIT', ...locate('jobs'), path: 'jobs', message: tooManyJobs }],
      warnings: [],
      locate,
    };

  const result = PipelineSchema.safeParse(data);
  const schemaIssues = result.success ? [] : result.error.issues;
  const jobsWithUnknownKeys = new Set(
    schemaIssues
      .filter((issue) => issue.code === 'unrecognized_keys' && issue.path.length === 2 && issue.path[0] === 'jobs')
      .map((issue) => String(issue.path[1])),
  );
  const fromSchema = mapSchemaIssues(schemaIssues, data, PipelineSchema);
  const flagged = new Set(fromSchema.map((issue) => formatPath(issue.path)));
  const semantic = [...checkSemantics(data, jobsWithUnknownKeys), ...checkExpressions(data, result.data)];
  // One report per node: what the schema already rejected is not judged again.
  const pending = [...fromSchema, ...semantic.filter((issue) => !flagged.has(formatPath(issue.path)))];
  const warnings = sortIssues(
    checkShellInjection(data).map((issue) => ({ ...place(issue), severity: 'warning' })),
    file,
  );
  const issues = pending.map(place);
  return result.data && issues.length === 0
    ? { spec: result.data, issues, warnings, locate }
    : { issues: sortIssues(issues, file), warnings, locate };
}

/**
 * File order (the main file first, then included files by name); the same message at the same place once. A
 * template's problem is reported for each job that extends it, as an anchor's is for each alias: the path says which.
 */
function sortIssues(issues: PipelineIssue[], main: string): PipelineIssue[] {
  const seen = new Set<string>();
  return issues
    .filter((issue) => {
      const key = `${issue.file}:${issue.line}:${issue.col}:${issue.code}:${issue.path}:${issue.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort(
      (a, b) =>
        Number(a.file !== main) - Number(b.file !== main) ||
        a.file.localeCompare(b.file) ||
        a.line - b.line ||
        a.col - b.col,
    );
}
