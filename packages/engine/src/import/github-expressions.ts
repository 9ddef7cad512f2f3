import { textOf } from './text-of.js';
import type { ImportEntry } from './import-types.js';

/** What rewriting an expression needs to know about where it is. */
export interface ExpressionScope {
  jobId: string;
  /** `inputs.*` of a composite action, a reusable workflow or workflow_dispatch (their defaults). */
  inputs?: Record<string, unknown>;
  /** A job id of the source as it is named in the pipeline (inlined reusable workflows prefix theirs). */
  jobName?: (id: string) => string;
  /** The directory of the composite action being inlined, as the job sees it (`github.action_path`). */
  actionPath?: string;
  /** Matrix axes whose mapping values were flattened: `matrix.a.b` reads `matrix.a_b`. */
  flatAxes?: string[];
  /** Reports at the place being translated. */
  note(kind: ImportEntry['kind'], message: string): void;
  /** A `secrets.NAME` was read: the job must declare it. */
  secret(name: string): void;
}

const contextPattern =
  /(?<![\w.-])(github|runner|needs|vars|secrets|inputs|job|strategy|matrix)((?:\.[A-Za-z0-9_*-]+)*)(?![\w(])/gi;
const stringPattern = /'(?:[^']|'')*'/g;

/** A value as an expression literal; a string holding `${{ }}` becomes that expression (or a format() of it). */
export function literal(value: unknown): string {
  if (value === null || value === undefined) return "''";
  if (typeof value === 'string' && value.includes('${{')) {
    const whole = /^\s*\$\{\{([\s\S]*?)\}\}\s*$/.exec(value);
    if (whole && !whole[1]?.includes('${{')) return `(${(whole[1] ?? '').trim()})`;
    const args: string[] = [];
    const text = value
      .split(/(\$\{\{[\s\S]*?\}\})/)
      .map((part) => {
        const inner = /^\$\{\{([\s\S]*?)\}\}$/.exec(part);
        if (!inner) return part.replaceAll('{', '{{').replaceAll('}', '}}');
        args.push((inner[1] ?? '').trim());
        return `{${args.length - 1}}`;
      })
      .join('');
    return `format('${text.replaceAll("'", "''")}', ${args.join(', ')})`;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return textOf(value);
  return `'${textOf(value).replaceAll("'", "''")}'`;
}

/** Rewrites GitHub's contexts in one expression (without `${{ }}`) to Ferry's; string literals are kept. */
export function rewriteExpression(expression: string, scope: ExpressionScope): string {
  let out = '';
  let last = 0;
  for (const match of expression.matchAll(stringPattern)) {
    out += rewriteCode(expression.slice(last, match.index), scope) + match[0];
    last = match.index + match[0].length;
  }
  return out + rewriteCode(expression.slice(last), scope);
}

/** Rewrites every `${{ }}` inside a string. */
export function rewriteText(text: string, scope: ExpressionScope): string {
  return text.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, inner: string) => `\${{${rewriteExpression(inner, scope)}}}`);
}

/** An `if:` (bare or wrapped) rewritten, as a bare expression; booleans stay booleans. */
export function rewriteCondition(condition: unknown, scope: ExpressionScope): string | boolean {
  if (typeof condition === 'boolean') return condition;
  const text = textOf(condition).trim();
  const whole = /^\$\{\{([\s\S]*)\}\}$/.exec(text);
  const inner = whole && !whole[1]?.includes('${{') ? (whole[1] ?? '') : text;
  return rewriteExpression(inner.includes('${{') ? inner.replace(/\$\{\{([\s\S]*?)\}\}/g, '$1') : inner, scope).trim();
}

function rewriteCode(code: string, scope: ExpressionScope): string {
  return code.replace(contextPattern, (whole, context: string, rest: string) => {
    const path = rest.split('.').slice(1);
    const replaced = mapContext(context.toLowerCase(), path, scope);
    return replaced ?? whole;
  });
}

function mapContext(context: string, path: string[], scope: ExpressionScope): string | undefined {
  const [first, ...more] = path;
  const key = first?.toLowerCase();
  switch (context) {
    case 'matrix': {
      const axis = scope.flatAxes?.find((name) => name.toLowerCase() === key);
      if (axis === undefined || more.length === 0) return undefined;
      return `matrix.${axis}_${more.join('.')}`;
    }
    case 'github':
      return mapGithub(key, more, scope);
    case 'runner': {
      const values: Record<string, string> = {
        os: 'Linux',
        arch: 'X64',
        temp: '/tmp',
        tool_cache: '/opt/hostedtoolcache',
        name: 'ferry',
        environment: 'self-hosted',
        debug: '',
      };
      if (key !== undefined && key in values) return literal(values[key]);
      scope.note('approximated', `runner.${first ?? ''} has no Ferry equivalent; it reads as null`);
      return 'null';
    }
    case 'needs': {
      if (first === undefined) return 'jobs';
      const job = scope.jobName ? scope.jobName(first) : first;
      const [what, ...tail] = more;
      if (what?.toLowerCase() === 'result') return `jobs.${job}.status`;
      return ['jobs', job, ...(what === undefined ? [] : [what]), ...tail].join('.');
    }
    case 'vars':
      if (first === undefined) return 'env';
      scope.note(
        'approximated',
        `vars.${first} (a repository variable) reads env.${first}: set it with --env ${first}=…`,
      );
      return `env.${first}`;
    case 'secrets':
      if (first === undefined) return 'secrets';
      if (key === 'github_token') {
        scope.note('approximated', 'secrets.GITHUB_TOKEN is empty: Ferry jobs get no GitHub token');
        return "''";
      }
      scope.secret(first);
      return `secrets.${first}`;
    case 'inputs': {
      if (first === undefined) return 'null';
      const inputs = scope.inputs ?? {};
      const found = Object.keys(inputs).find((name) => name.toLowerCase() === key);
      if (found === undefined) {
        scope.note('approximated', `inputs.${first} has no value or default; it reads as ''`);
        return "''";
      }
      return literal(inputs[found]);
    }
    case 'job':
      if (key === 'status') return "case(cancelled(), 'cancelled', failure(), 'failure', 'success')";
      scope.note('approximated', `job.${path.join('.')} has no Ferry equivalent; it reads as null`);
      return 'null';
    case 'strategy':
      if (key === 'job-index') return '0';
      if (key === 'job-total') return '1';
      scope.note('approximated', `strategy.${first ?? ''} has no Ferry equivalent; it reads as null`);
      return 'null';
    default:
      return undefined;
  }
}

function mapGithub(key: string | undefined, more: string[], scope: ExpressionScope): string {
  const approx = (message: string, value: string): string => {
    scope.note('approximated', message);
    return value;
  };
  switch (key) {
    case 'sha':
      return 'git.sha';
    case 'ref':
      return 'git.ref';
    case 'ref_name':
      return '(git.tag || git.branch)';
    case 'ref_type':
      return "(git.tag && 'tag' || 'branch')";
    case 'head_ref':
      return approx('github.head_ref reads git.branch (the branch that was pushed)', 'git.branch');
    case 'base_ref':
      return approx("github.base_ref is '' (Ferry does not know a pull request's base branch)", "''");
    case 'event_name':
      return approx(
        "github.event_name reads run.trigger: 'push' and 'pull_request' are the same, 'workflow_dispatch' is 'manual', a local run is 'cli'",
        'run.trigger',
      );
    case 'repository':
      return approx('github.repository reads git.repo (the remote URL or directory name, not owner/name)', 'git.repo');
    case 'workspace':
      return "'/workspace'";
    case 'action_path':
      if (scope.actionPath !== undefined) return literal(scope.actionPath);
      return approx("github.action_path is '' outside an action", "''");
    case 'job':
      return literal(scope.jobId);
    case 'server_url':
      return "'https://github.com'";
    case 'api_url':
      return "'https://api.github.com'";
    case 'event':
      return approx(`github.event.${more.join('.')} reads as null (Ferry has no GitHub event payload)`, 'null');
    case 'token':
      return approx("github.token is '' (Ferry jobs get no GitHub token)", "''");
    default:
      return approx(`github.${key ?? ''} has no Ferry equivalent; it reads as ''`, "''");
  }
}
