import type { FerryErrorCode } from '../errors.js';
import { collectReferences } from '../expr/collect-references.js';
import { mixedConditionMessage, parseCondition } from '../expr/evaluate-condition.js';
import { ExpressionSyntaxError } from '../expr/expression-syntax-error.js';
import type { ExprNode } from '../expr/expr-types.js';
import { parseTemplate } from '../expr/parse-template.js';
import { didYouMean } from '../expr/suggest-name.js';
import { jobDependencies } from '../plan/job-graph.js';
import { checkStepsRead } from './check-step-reads.js';
import type { JobSpec, PipelineSpec } from './pipeline-schema.js';
import type { PathSegment, PendingIssue } from './pipeline-issue.js';

/** The contexts a pipeline file may read. */
export const knownContexts: readonly string[] = ['env', 'matrix', 'git', 'jobs', 'secrets', 'run', 'steps'];

type Scope = { kind: 'job'; id: string } | { kind: 'service'; name: string } | { kind: 'pipeline' };

interface Found {
  ast: ExprNode;
  /** Where the expression's source starts in the string. */
  offset: number;
}

/**
 * Every `${{ }}` in every string of the file (and every `if:`, wrapped or bare) must parse and read only
 * known contexts. With the validated `spec` (once the schema passed) it must also read only matrix axes its
 * job has, `jobs.<id>` only of jobs it (transitively) needs, only secrets its job (or the pipeline) lists, and
 * `steps.<id>` only of earlier steps of its job (see check-step-reads.ts).
 */
export function checkExpressions(data: unknown, spec?: PipelineSpec): PendingIssue[] {
  const issues: PendingIssue[] = [];
  const deps = spec ? jobDependencies(spec) : () => new Set<string>();
  const visitString = (text: string, path: PathSegment[]): void => {
    const found = parseStringExpressions(text, path, issues);
    const scope = scopeOf(path);
    for (const { ast, offset } of found) {
      for (const read of collectReferences(ast).reads) {
        const report = (message: string, code: FerryErrorCode = 'SPEC_INVALID'): void => {
          issues.push({ code, path, at: 'value', message, focus: { text, offset: offset + read.start } });
        };
        checkRead(read.path, path, scope, spec, deps, report);
      }
    }
  };
  walkStrings(data, [], visitString);
  return issues;
}

function parseStringExpressions(text: string, path: PathSegment[], issues: PendingIssue[]): Found[] {
  try {
    if (isCondition(path)) {
      const { ast, offset } = parseCondition(text);
      return [{ ast, offset }];
    }
    if (!text.includes('${{')) return [];
    return parseTemplate(text).flatMap((part) =>
      part.kind === 'expression' ? [{ ast: part.ast, offset: part.start + 3 }] : [],
    );
  } catch (error) {
    if (!(error instanceof ExpressionSyntaxError)) throw error;
    const message =
      error.detail === mixedConditionMessage ? error.detail : `${error.detail} in ${excerpt(text, error.offset)}`;
    issues.push({ code: 'EXPR_SYNTAX', path, at: 'value', message, focus: { text, offset: error.offset } });
    return [];
  }
}

type Report = (message: string, code?: FerryErrorCode) => void;

/** Unknown contexts are EXPR_EVAL, as they would be at run time; misplaced reads are SPEC_INVALID. */
function checkRead(
  read: string[],
  at: readonly PathSegment[],
  scope: Scope,
  spec: PipelineSpec | undefined,
  deps: (job: string) => ReadonlySet<string>,
  report: Report,
): void {
  const [written, writtenName] = read as [string, string | undefined];
  // Context and property names ignore case, as in GitHub (`Env.X` reads env, `jobs.Build` reads jobs.build).
  const root = written.toLowerCase();
  if (!knownContexts.includes(root)) {
    const hint = didYouMean(written, knownContexts) || ` (contexts: ${knownContexts.join(', ')})`;
    return report(`unknown context "${written}"${hint}`, 'EXPR_EVAL');
  }
  if (!spec) return;
  if (root === 'steps') return checkStepsRead(read, at, spec, report);
  if (root === 'matrix') {
    if (scope.kind !== 'job')
      return report(`${read.slice(0, 2).join('.')} is only available inside a job with a matrix`);
    if (writtenName === undefined) return;
    const axes = matrixAxes(spec.jobs[scope.id] as JobSpec);
    const name = matching(writtenName, axes ?? []);
    if (axes === undefined) return report(`job "${scope.id}" has no matrix axis "${name}" (it has no matrix)`);
    if (!axes.includes(name))
      return report(
        `job "${scope.id}" has no matrix axis "${name}"${didYouMean(name, axes) || ` (axes: ${axes.join(', ')})`}`,
      );
    return;
  }
  if (root === 'secrets' && writtenName !== undefined && scope.kind === 'job') {
    const listed = [...(spec.jobs[scope.id]?.secrets ?? []), ...(spec.secrets ?? [])];
    const name = matching(writtenName, listed);
    if (!listed.includes(name))
      return report(`job "${scope.id}" reads secrets.${name} but does not list it (add secrets: [${name}])`);
    return;
  }
  if (root !== 'jobs' || writtenName === undefined) return;
  const name = matching(writtenName, Object.keys(spec.jobs));
  const ref = read.slice(0, 3).join('.');
  if (!Object.hasOwn(spec.jobs, name))
    return report(`unknown job "${name}" in ${ref}${didYouMean(name, Object.keys(spec.jobs))}`);
  if (scope.kind === 'job') {
    if (name === scope.id) return report(`job "${scope.id}" cannot read ${ref} of itself`);
    if (!deps(scope.id).has(name))
      return report(`job "${scope.id}" reads ${ref} but does not need "${name}" (add it to needs)`);
  }
  if (scope.kind === 'service') {
    for (const [id, job] of Object.entries(spec.jobs)) {
      if (!job.deploy?.services.includes(scope.name) || id === name || deps(id).has(name)) continue;
      report(`service "${scope.name}" reads ${ref}, but job "${id}" deploys it without needing "${name}"`);
    }
  }
}

/** The first of `names` that equals `name` ignoring case, or `name` itself. */
function matching(name: string, names: readonly string[]): string {
  const lower = name.toLowerCase();
  return names.find((candidate) => candidate.toLowerCase() === lower) ?? name;
}

/** Axis names, including keys only `include` entries add; undefined without a matrix. */
function matrixAxes(job: JobSpec): string[] | undefined {
  if (!job.matrix) return undefined;
  const { include = [], exclude: _exclude, failFast: _failFast, maxParallel: _maxParallel, ...axes } = job.matrix;
  return [...new Set([...Object.keys(axes), ...include.flatMap((entry) => Object.keys(entry))])];
}

function scopeOf(path: readonly PathSegment[]): Scope {
  const [root, name] = path;
  if (root === 'jobs' && typeof name === 'string') return { kind: 'job', id: name };
  if (root === 'services' && typeof name === 'string') return { kind: 'service', name };
  return { kind: 'pipeline' };
}

/** `jobs.<id>.if` and `jobs.<id>.steps[n].if` hold conditions: bare expressions are allowed there. */
function isCondition(path: readonly PathSegment[]): boolean {
  return (
    path[0] === 'jobs' &&
    ((path.length === 3 && path[2] === 'if') || (path.length === 5 && path[2] === 'steps' && path[4] === 'if'))
  );
}

/** Visits every string; a value that contains itself (an anchor inside its own alias) is walked once. */
function walkStrings(
  value: unknown,
  path: PathSegment[],
  visit: (text: string, path: PathSegment[]) => void,
  open = new Set<unknown>(),
): void {
  if (typeof value === 'string') return visit(value, path);
  if (typeof value !== 'object' || value === null || open.has(value)) return;
  open.add(value);
  if (Array.isArray(value)) value.forEach((item, index) => walkStrings(item, [...path, index], visit, open));
  else for (const [key, item] of Object.entries(value)) walkStrings(item, [...path, key], visit, open);
  open.delete(value);
}

/** The `${{ … }}` around `offset` (or the whole text for a bare condition), shortened for a message. */
function excerpt(text: string, offset: number): string {
  const open = text.lastIndexOf('${{', offset);
  let shown: string;
  if (open >= 0) {
    const close = text.indexOf('}}', open);
    shown = text.slice(open, close < 0 ? undefined : close + 2);
  } else {
    shown = `"${text.trim()}"`;
  }
  shown = shown.replace(/\s*\n\s*/g, ' ');
  return shown.length > 60 ? `${shown.slice(0, 57)}...` : shown;
}
