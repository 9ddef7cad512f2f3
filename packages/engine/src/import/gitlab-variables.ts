import { literal } from './github-expressions.js';

/**
 * GitLab's predefined variables Ferry knows, as expressions (or plain values). The rest (registry, API and
 * project-path variables) are not set; the report says which a file reads.
 */
export const predefinedVariables: Readonly<Record<string, string>> = {
  CI: 'true',
  GITLAB_CI: 'true',
  CI_COMMIT_SHA: '${{ git.sha }}',
  CI_COMMIT_SHORT_SHA: '${{ git.shortSha }}',
  CI_COMMIT_REF_NAME: '${{ git.tag || git.branch }}',
  CI_COMMIT_REF_SLUG: '${{ git.tag || git.branch }}',
  CI_COMMIT_BRANCH: '${{ git.branch }}',
  CI_COMMIT_TAG: '${{ git.tag }}',
  CI_PROJECT_DIR: '/workspace',
  CI_BUILDS_DIR: '/',
  CI_PIPELINE_SOURCE: '${{ run.trigger }}',
  CI_DEFAULT_BRANCH: 'main',
};

/** Expressions for `rules: if:` (GitLab's variables as Ferry's contexts). */
export const predefinedInConditions: Readonly<Record<string, string>> = {
  CI_COMMIT_SHA: 'git.sha',
  CI_COMMIT_SHORT_SHA: 'git.shortSha',
  CI_COMMIT_REF_NAME: '(git.tag || git.branch)',
  CI_COMMIT_REF_SLUG: '(git.tag || git.branch)',
  CI_COMMIT_BRANCH: "(git.tag == '' && run.trigger != 'pull_request' && git.branch || null)",
  CI_COMMIT_TAG: '(git.tag || null)',
  CI_PIPELINE_SOURCE: 'run.trigger',
  CI_DEFAULT_BRANCH: "'main'",
  CI_MERGE_REQUEST_ID: "(run.trigger == 'pull_request' && '1' || null)",
  CI_MERGE_REQUEST_IID: "(run.trigger == 'pull_request' && '1' || null)",
  CI_OPEN_MERGE_REQUESTS: 'null',
  CI: "'true'",
  GITLAB_CI: "'true'",
};

/** GitLab's CI_PIPELINE_SOURCE values as Ferry's run.trigger ones. */
export const pipelineSources: Readonly<Record<string, string>> = {
  push: 'push',
  merge_request_event: 'pull_request',
  external_pull_request_event: 'pull_request',
  web: 'manual',
  api: 'manual',
  trigger: 'manual',
  schedule: 'schedule',
  pipeline: 'pipeline',
  parent_pipeline: 'pipeline',
};

const variablePattern = /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g;

/** The names of variables a text reads. */
export function variablesIn(text: string): string[] {
  return [...text.matchAll(variablePattern)].map((match) => match[1] ?? match[2] ?? '');
}

/**
 * Expands `$VAR` and `${VAR}` as GitLab does in values it expands itself (variables, image, cache keys,
 * artifact paths): defined variables by their value (recursively), predefined ones by their Ferry
 * expression; unknown ones stay as written and are returned in `unknown`.
 */
export function expandVariables(
  text: string,
  variables: Record<string, string>,
  unknown: Set<string>,
  depth = 0,
): string {
  return text.replace(variablePattern, (whole, braced: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare ?? '';
    if (name in variables && depth < 10) return expandVariables(variables[name] ?? '', variables, unknown, depth + 1);
    if (name in predefinedVariables) return predefinedVariables[name] ?? '';
    unknown.add(name);
    return whole;
  });
}

type Token = { kind: 'var' | 'string' | 'regex' | 'op' | 'paren' | 'null'; text: string };

function tokenize(text: string): Token[] | undefined {
  const tokens: Token[] = [];
  const pattern =
    /\s*(?:(\$\{?[A-Za-z_][A-Za-z0-9_]*\}?)|"((?:[^"\\]|\\.)*)"|'([^']*)'|(\/(?:[^/\\]|\\.)*\/[a-z]*)|(==|!=|=~|!~|&&|\|\|)|([()])|(null))/y;
  let index = 0;
  while (index < text.length) {
    if (/^\s*$/.test(text.slice(index))) break;
    pattern.lastIndex = index;
    const match = pattern.exec(text);
    if (!match) return undefined;
    index = pattern.lastIndex;
    if (match[1]) tokens.push({ kind: 'var', text: match[1].replace(/[${}]/g, '') });
    else if (match[2] !== undefined) tokens.push({ kind: 'string', text: match[2].replace(/\\(.)/g, '$1') });
    else if (match[3] !== undefined) tokens.push({ kind: 'string', text: match[3] });
    else if (match[4]) tokens.push({ kind: 'regex', text: match[4] });
    else if (match[5]) tokens.push({ kind: 'op', text: match[5] });
    else if (match[6]) tokens.push({ kind: 'paren', text: match[6] });
    else if (match[7]) tokens.push({ kind: 'null', text: 'null' });
  }
  return tokens;
}

export interface ConditionScope {
  variables: Record<string, string>;
  /** Reports an approximation. */
  note(message: string): void;
}

/**
 * A GitLab `rules: if:` / `only: variables:` expression as a Ferry expression. `=~` with a regex becomes
 * `==`, `startsWith`, `endsWith` or `contains` where the regex is that simple; otherwise it is reported.
 */
export function translateGitlabCondition(text: string, scope: ConditionScope): string {
  const tokens = tokenize(text);
  if (!tokens) {
    scope.note(`the condition ${text} could not be read; it is taken as true`);
    return 'true';
  }
  let position = 0;
  const peek = (): Token | undefined => tokens[position];
  const operand = (token: Token | undefined): { code: string; isSource: boolean } => {
    if (!token) return { code: 'null', isSource: false };
    if (token.kind === 'string') return { code: literal(token.text), isSource: false };
    if (token.kind === 'null') return { code: 'null', isSource: false };
    if (token.kind === 'regex') return { code: literal(token.text), isSource: false };
    const name = token.text;
    if (name in scope.variables) return { code: literal(scope.variables[name]), isSource: false };
    if (name in predefinedInConditions)
      return { code: predefinedInConditions[name] ?? 'null', isSource: name === 'CI_PIPELINE_SOURCE' };
    scope.note(
      `$${name} is not defined in the file (a project or predefined variable Ferry does not set); it reads as unset`,
    );
    return { code: 'null', isSource: false };
  };
  const primary = (): string => {
    const token = tokens[position++];
    if (token?.kind === 'paren' && token.text === '(') {
      const inner = or();
      position++;
      return `(${inner})`;
    }
    const left = operand(token);
    const op = peek();
    if (op?.kind !== 'op' || !['==', '!=', '=~', '!~'].includes(op.text)) return left.code;
    position++;
    const rightToken = tokens[position++];
    if (op.text === '=~' || op.text === '!~') {
      const matched = regexCondition(left.code, rightToken?.kind === 'regex' ? rightToken.text : undefined, scope);
      return op.text === '=~' ? matched : `!(${matched})`;
    }
    const right =
      rightToken?.kind === 'string' && left.isSource
        ? literal(pipelineSources[rightToken.text] ?? rightToken.text)
        : operand(rightToken).code;
    return `${left.code} ${op.text} ${right}`;
  };
  const and = (): string => {
    let out = primary();
    while (peek()?.text === '&&') {
      position++;
      out = `${out} && ${primary()}`;
    }
    return out;
  };
  const or = (): string => {
    let out = and();
    while (peek()?.text === '||') {
      position++;
      out = `${out} || ${and()}`;
    }
    return out;
  };
  return or();
}

function regexCondition(left: string, regex: string | undefined, scope: ConditionScope): string {
  const body = regex ? /^\/(.*)\/([a-z]*)$/.exec(regex) : null;
  if (!body) {
    scope.note(`a =~ match against something other than a /regex/ is taken as true`);
    return 'true';
  }
  const pattern = body[1] ?? '';
  const plain = (text: string): boolean =>
    /^[\w\-./ ]*$/.test(text.replaceAll('\\.', '.').replaceAll('\\/', '/').replaceAll('\\-', '-'));
  const unescape = (text: string): string => text.replace(/\\(.)/g, '$1');
  const alternatives = /^\^\(([^()]*)\)\$$/.exec(pattern);
  if (alternatives && alternatives[1]?.split('|').every(plain)) {
    return `(${(alternatives[1] ?? '')
      .split('|')
      .map((alt) => `${left} == ${literal(unescape(alt))}`)
      .join(' || ')})`;
  }
  const anchoredStart = pattern.startsWith('^');
  let anchoredEnd = pattern.endsWith('$') && !pattern.endsWith('\\$');
  let core = pattern.slice(anchoredStart ? 1 : 0, anchoredEnd ? -1 : undefined);
  if (/\.[*+]$/.test(core)) {
    core = core.slice(0, -2);
    anchoredEnd = false;
  }
  if (plain(core)) {
    const value = literal(unescape(core));
    if (anchoredStart && anchoredEnd) return `${left} == ${value}`;
    if (anchoredStart) return `startsWith(${left}, ${value})`;
    if (anchoredEnd) return `endsWith(${left}, ${value})`;
    return `contains(${left}, ${value})`;
  }
  const raw = /^((?:[\w\-/ ]|\\[./-])+)/.exec(core)?.[1];
  const prefix = raw === undefined ? undefined : unescape(raw);
  scope.note(
    `the regex ${regex} has no Ferry equivalent; it is approximated by ${prefix ? `a prefix test for '${prefix}'` : 'true'}`,
  );
  return prefix && anchoredStart ? `startsWith(${left}, ${literal(prefix)})` : 'true';
}
