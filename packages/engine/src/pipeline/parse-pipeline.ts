import { LineCounter, parseDocument } from 'yaml';
import { checkExpressions } from './check-expressions.js';
import { checkSemantics } from './check-semantics.js';
import { checkShellInjection } from './check-shell-injection.js';
import { createSourceLocator, type SourcePosition } from './create-source-locator.js';
import { formatPath, parsePath } from './format-path.js';
import { mapSchemaIssues } from './map-schema-issues.js';
import {
  countJobKeys,
  fileSizeMessage,
  findDuplicateKeys,
  findTooDeep,
  jobCountMessage,
  pipelineLimits,
} from './pipeline-limits.js';
import { PipelineSchema, type PipelineSpec } from './pipeline-schema.js';
import type { PendingIssue, PipelineIssue } from './pipeline-issue.js';

export interface ParsePipelineResult {
  /** Present only when there are no issues. */
  spec?: PipelineSpec;
  /** Every problem found, in file order. */
  issues: PipelineIssue[];
  /** Problems that leave the file valid (SPEC_SHELL_INJECTION), in file order; empty when it did not parse. */
  warnings: PipelineIssue[];
  /** Places a path like `jobs.deploy.needs` in the file (at its key), e.g. for the planner's issues. */
  locate: (path: string) => SourcePosition;
}

/**
 * YAML text → validated pipeline. Never throws on bad input: YAML syntax errors (SPEC_YAML), schema
 * violations (SPEC_INVALID) and semantic problems (SPEC_INVALID, PLAN_UNKNOWN_NEED, EXPR_SYNTAX, EXPR_EVAL)
 * are all collected, each at the file:line:col of the node concerned. Semantic checks that stand on their
 * own (needs, stages, expression syntax, …) run alongside the schema; those that need the whole pipeline
 * to be well-formed (matrix axes, job outputs, secrets) run once it passes. YAML errors stop everything.
 */
export function parsePipeline(text: string, file: string): ParsePipelineResult {
  const refused = checkTextLimits(text, file);
  if (refused) return { issues: [refused], warnings: [], locate: () => ({ line: 1, col: 1 }) };
  const lineCounter = new LineCounter();
  // Duplicate keys are found below, in linear time.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: true, uniqueKeys: false });
  const locator = createSourceLocator(doc, lineCounter, text);
  const locate = (path: string): SourcePosition =>
    locator({ code: 'SPEC_INVALID', path: parsePath(path), at: 'key', message: '' });
  const done = (issues: PipelineIssue[], spec?: PipelineSpec, warnings: PipelineIssue[] = []): ParsePipelineResult =>
    spec && issues.length === 0 ? { spec, issues, warnings, locate } : { issues: sortIssues(issues), warnings, locate };

  if (doc.errors.length > 0) {
    return done(
      doc.errors.map((error) => ({
        code: 'SPEC_YAML',
        file,
        ...lineCounter.linePos(error.pos[0]),
        path: '',
        message: yamlMessage(error.code, error.message, text.slice(error.pos[0])),
      })),
    );
  }
  const duplicates = findDuplicateKeys(doc, lineCounter);
  if (duplicates.length > 0) {
    return done(
      duplicates.map(({ line, col, key }) => ({
        code: 'SPEC_YAML',
        file,
        line,
        col,
        path: '',
        message: `duplicate key "${key}"`,
      })),
    );
  }
  if (doc.contents === null) {
    return done([
      {
        code: 'SPEC_INVALID',
        file,
        line: 1,
        col: 1,
        path: '',
        message: 'the file is empty; a pipeline needs at least jobs:',
      },
    ]);
  }
  let data: unknown;
  try {
    data = doc.toJS();
  } catch (error) {
    return done([
      { code: 'SPEC_YAML', file, line: 1, col: 1, path: '', message: yamlMessage('', (error as Error).message, '') },
    ]);
  }

  const jobs = (data as { jobs?: unknown } | null)?.jobs;
  const tooManyJobs = jobCountMessage(typeof jobs === 'object' && jobs !== null ? Object.keys(jobs).length : 0);
  if (tooManyJobs !== undefined)
    return done([{ code: 'SPEC_LIMIT', file, ...locate('jobs'), path: 'jobs', message: tooManyJobs }]);

  const place = (issue: PendingIssue): PipelineIssue => ({
    code: issue.code,
    file,
    ...locator(issue),
    path: formatPath(issue.path),
    message: issue.message,
  });
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
  const warnings = sortIssues(checkShellInjection(data).map((issue) => ({ ...place(issue), severity: 'warning' })));
  return done(pending.map(place), result.data, warnings);
}

/** A file too large or nested too deeply to parse safely: refused before the YAML parser sees it. */
function checkTextLimits(text: string, file: string): PipelineIssue | undefined {
  const tooLarge = fileSizeMessage(Buffer.byteLength(text, 'utf8'));
  if (tooLarge !== undefined) return { code: 'SPEC_LIMIT', file, line: 1, col: 1, path: '', message: tooLarge };
  const deep = findTooDeep(text, pipelineLimits.depth);
  if (deep)
    return {
      code: 'SPEC_LIMIT',
      file,
      ...deep,
      path: '',
      message: `YAML nests more than ${pipelineLimits.depth} levels deep here`,
    };
  const jobs = countJobKeys(text);
  const tooManyJobs = jobCountMessage(jobs.count);
  if (tooManyJobs !== undefined)
    return { code: 'SPEC_LIMIT', file, line: jobs.line, col: 1, path: 'jobs', message: tooManyJobs };
  return undefined;
}

/** yaml's message, lower-cased like ours; the two common ones reworded to name the thing. `rest` is the source from the error on. */
function yamlMessage(code: string, message: string, rest: string): string {
  if (code === 'DUPLICATE_KEY')
    return `duplicate key "${/^("[^"\n]*"|'[^'\n]*'|[^:\n]*)/
      .exec(rest)?.[1]
      ?.trim()
      .replace(/^["']|["']$/g, '')}"`;
  if (code === 'MULTIPLE_DOCS') return 'a pipeline file holds one YAML document; remove the "---" separator';
  return message.charAt(0).toLowerCase() + message.slice(1);
}

/** File order; the same message at the same place is reported once. */
function sortIssues(issues: PipelineIssue[]): PipelineIssue[] {
  const seen = new Set<string>();
  return issues
    .filter((issue) => {
      const key = `${issue.line}:${issue.col}:${issue.code}:${issue.path}:${issue.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => a.line - b.line || a.col - b.col);
}
