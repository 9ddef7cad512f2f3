import { textOf } from './text-of.js';
import { rewriteCondition, rewriteText, type ExpressionScope } from './github-expressions.js';
import { translateMatrix } from './github-matrix.js';
import { translateGithubJob, type GithubJobContext } from './translate-github-job.js';
import type { ImportOptions, SourceReader } from './import-types.js';
import { readSource, type ImportReport, type Source } from './read-source.js';
import { minutes, translateEnv, translateShell } from './translate-github-steps.js';

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A GitHub Actions workflow as a Ferry pipeline; what does not map is reported. */
export function translateGithub(
  source: Source,
  reader: SourceReader,
  options: ImportOptions,
  report: ImportReport,
): Json {
  const workflow = source.data as Json;
  const pipeline: Json = {};
  if (typeof workflow.name === 'string') pipeline.name = workflow.name;
  const fileNote: ExpressionScope['note'] = (kind, message) => report.add(kind, source, [], message);
  const triggers = translateTriggers(workflow.on ?? workflow[true as unknown as string], source, report);
  pipeline.on = triggers.on;
  const topScope = scopeFor('', triggers.inputs, fileNote, new Set());
  const env = translateEnv(workflow.env, {
    ...topScope,
    note: (kind, message) => report.add(kind, source, ['env'], message),
  });
  // Scripts read GitHub's default variables from the environment: the ones the file uses are set.
  const text = JSON.stringify(workflow);
  const defaultsUsed = Object.entries(githubVariables).filter(([name]) => new RegExp(`\\$\\{?${name}\\b`).test(text));
  if (env || defaultsUsed.length > 0) pipeline.env = { ...Object.fromEntries(defaultsUsed), ...env };
  const run = isObject(workflow.defaults) && isObject(workflow.defaults.run) ? workflow.defaults.run : {};
  const defaults: Json = { shell: translateShell(run.shell) ?? githubDefaultShell };
  if (run['working-directory'] !== undefined) defaults.workdir = textOf(run['working-directory']);
  pipeline.defaults = defaults;
  for (const key of ['permissions', 'concurrency', 'run-name']) {
    if (workflow[key] !== undefined)
      report.add(key === 'concurrency' ? 'approximated' : 'changed', source, [key], notes[key] ?? `${key} is not used`);
  }
  const jobs: Json = {};
  const artifactAliases = new Map<string, string>();
  const context: GithubJobContext = {
    source,
    reader,
    options,
    report,
    inputs: triggers.inputs,
    depth: 0,
    prefix: '',
    artifactAliases,
  };
  translateJobs(workflow.jobs, context, jobs);
  for (const job of Object.values(jobs)) {
    if (!isObject(job) || !Array.isArray(job.download)) continue;
    for (const entry of job.download as Json[]) {
      if (typeof entry.name !== 'string') continue;
      entry.name = mergedArtifactName(entry.name, artifactAliases) ?? entry.name;
    }
  }
  pipeline.jobs = jobs;
  return pipeline;
}

/**
 * The artifact a download by `name` reads when that name's upload was merged into another one of its job: the
 * alias is a template (`logs-${{ matrix.node }}`), so `logs-20` is matched against it and the values its
 * expressions took are put into the kept name's template (`dist-${{ matrix.node }}` → `dist-20`).
 */
export function mergedArtifactName(name: string, aliases: ReadonlyMap<string, string>): string | undefined {
  const expression = /\$\{\{[\s\S]*?\}\}/g;
  for (const [alias, kept] of aliases) {
    const parts = alias.split(expression);
    const expressions = alias.match(expression) ?? [];
    const pattern = new RegExp(`^${parts.map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('(.*?)')}$`);
    const match = pattern.exec(name) ?? (name === alias ? [name, ...expressions] : null);
    if (!match) continue;
    const values = new Map(expressions.map((text, index) => [text, match[index + 1] ?? '']));
    return kept.replace(expression, (text) => values.get(text) ?? text);
  }
  return undefined;
}

/**
 * A step without `shell:` runs as GitHub runs it on Linux: `bash -e {0}` (no pipefail, unlike `shell: bash`),
 * falling back to `sh -e` where the image has no bash.
 */
// Ferry splits a shell command line on whitespace (as GitHub does), so the fallback is one word: ${IFS} spaces it.
export const githubDefaultShell =
  'sh -c command${IFS}-v${IFS}bash>/dev/null&&exec${IFS}bash${IFS}-e${IFS}"$0"||exec${IFS}sh${IFS}-e${IFS}"$0" {0}';

/** GitHub's default environment variables Ferry can give (GITHUB_OUTPUT, _ENV and _PATH are the engine's own). */
const githubVariables: Record<string, string> = {
  CI: 'true',
  GITHUB_SHA: '${{ git.sha }}',
  GITHUB_REF: '${{ git.ref }}',
  GITHUB_REF_NAME: '${{ git.tag || git.branch }}',
  GITHUB_REF_TYPE: "${{ git.tag && 'tag' || 'branch' }}",
  GITHUB_HEAD_REF: '${{ git.branch }}',
  GITHUB_EVENT_NAME: '${{ run.trigger }}',
  GITHUB_REPOSITORY: '${{ git.repo }}',
  GITHUB_WORKSPACE: '/workspace',
  GITHUB_SERVER_URL: 'https://github.com',
  RUNNER_OS: 'Linux',
  RUNNER_ARCH: 'X64',
  RUNNER_TEMP: '/tmp',
  RUNNER_TOOL_CACHE: '/opt/hostedtoolcache',
};

const notes: Record<string, string> = {
  permissions: 'permissions are not needed: Ferry jobs get no GitHub token',
  concurrency:
    'concurrency groups are not modeled: Ferry runs every triggered run (cancel older ones with ferry cancel)',
  'run-name': 'run-name is not used: Ferry names runs by id',
};

/** Translates the `jobs:` of a workflow (or an inlined reusable one) into `out`, keyed by Ferry job id. */
export function translateJobs(rawJobs: unknown, context: GithubJobContext, out: Json): void {
  if (!isObject(rawJobs)) return;
  const callers = new Map<string, string[]>();
  for (const [id, raw] of Object.entries(rawJobs)) {
    if (!isObject(raw)) continue;
    const name = `${context.prefix}${id}`;
    if (typeof raw.uses === 'string') {
      callers.set(name, inlineReusable(id, raw, context, out));
      continue;
    }
    const generated: Record<string, Json> = {};
    const job = translateGithubJob(id, raw, { ...context, generated });
    if (job) Object.assign(out, generated, { [name]: job });
  }
  // A job that needs a caller of a reusable workflow needs every job inlined from it.
  for (const job of Object.values(out)) {
    if (!isObject(job) || !Array.isArray(job.needs)) continue;
    job.needs = (job.needs as string[])
      .flatMap((need) => callers.get(need) ?? [need])
      .filter((need) => need in out || callers.has(need) || true);
    if ((job.needs as string[]).length === 0) delete job.needs;
  }
}

function inlineReusable(id: string, raw: Json, context: GithubJobContext, out: Json): string[] {
  const { source, report } = context;
  const uses = textOf(raw.uses);
  if (!uses.startsWith('./') || context.depth > 4) {
    report.add(
      'dropped',
      source,
      ['jobs', id, 'uses'],
      `job ${id} calls the reusable workflow ${uses}, which is not in this repository; the job is dropped`,
    );
    return [];
  }
  const file = uses.slice(2).replace(/@.*$/, '');
  const text = context.reader.read(file);
  if (text === undefined) {
    report.add(
      'dropped',
      source,
      ['jobs', id, 'uses'],
      `job ${id}: ${file} is not in the repository; the job is dropped`,
    );
    return [];
  }
  const inner = readSource(text, file);
  const call = isObject(inner.data) && isObject(inner.data.on) ? inner.data.on.workflow_call : undefined;
  const inputs: Json = {};
  if (isObject(call) && isObject(call.inputs)) {
    for (const [name, spec] of Object.entries(call.inputs)) inputs[name] = isObject(spec) ? (spec.default ?? '') : '';
  }
  const outerScope = scopeFor(
    id,
    context.inputs,
    (kind, message) => report.add(kind, source, ['jobs', id, 'with'], message),
    new Set(),
  );
  if (isObject(raw.with)) {
    for (const [name, value] of Object.entries(raw.with))
      inputs[name] = typeof value === 'string' ? rewriteText(value, outerScope) : value;
  }
  if (raw.strategy !== undefined) {
    const matrix = translateMatrix(raw.strategy as Json, undefined, source, report, ['jobs', id, 'strategy']);
    if (matrix.matrix)
      report.add(
        'dropped',
        source,
        ['jobs', id, 'strategy'],
        `the matrix of job ${id} (a reusable workflow call) is not carried over: it runs once`,
      );
  }
  report.add('changed', source, ['jobs', id, 'uses'], `job ${id}: the jobs of ${file} are inlined as ${id}-<job>`);
  const before = new Set(Object.keys(out));
  translateJobs(
    isObject(inner.data) ? inner.data.jobs : undefined,
    { ...context, source: inner, inputs, depth: context.depth + 1, prefix: `${context.prefix}${id}-` },
    out,
  );
  const added = Object.keys(out).filter((key) => !before.has(key));
  const needs = (Array.isArray(raw.needs) ? raw.needs : raw.needs === undefined ? [] : [raw.needs]).map(
    (need) => `${context.prefix}${textOf(need)}`,
  );
  const condition = raw.if === undefined ? undefined : rewriteCondition(raw.if, outerScope);
  for (const key of added) {
    const job = out[key] as Json;
    const own = Array.isArray(job.needs) ? (job.needs as string[]) : [];
    if (own.length === 0 && needs.length > 0) job.needs = needs;
    if (condition !== undefined)
      job.if = job.if === undefined ? condition : `(${textOf(condition)}) && (${textOf(job.if)})`;
  }
  return added;
}

export function scopeFor(
  jobId: string,
  inputs: Json | undefined,
  note: ExpressionScope['note'],
  secrets: Set<string>,
): ExpressionScope {
  return { jobId, ...(inputs ? { inputs } : {}), note, secret: (name) => secrets.add(name) };
}

interface Triggers {
  on: Json;
  inputs?: Json;
}

const branchKeys: Record<string, string> = {
  branches: 'branches',
  'branches-ignore': 'branchesIgnore',
  tags: 'tags',
  'tags-ignore': 'tagsIgnore',
  paths: 'paths',
  'paths-ignore': 'pathsIgnore',
};

function translateTriggers(raw: unknown, source: Source, report: ImportReport): Triggers {
  const events: Json =
    typeof raw === 'string'
      ? { [raw]: null }
      : Array.isArray(raw)
        ? Object.fromEntries(raw.map((event) => [textOf(event), null]))
        : isObject(raw)
          ? raw
          : {};
  const on: Json = {};
  let inputs: Json | undefined;
  for (const [event, filters] of Object.entries(events)) {
    const at = ['on', event];
    const filter = isObject(filters) ? filters : {};
    switch (event) {
      case 'push':
      case 'pull_request':
      case 'pull_request_target': {
        const out: Json = {};
        for (const [key, value] of Object.entries(filter)) {
          if (key === 'types') {
            const types = (Array.isArray(value) ? value : [value]).map(String);
            const kept = types.filter((type) => ['opened', 'synchronize', 'reopened'].includes(type));
            if (kept.length < types.length)
              report.add(
                kept.length > 0 ? 'approximated' : 'dropped',
                source,
                [...at, key],
                `pull request types ${types.filter((type) => !kept.includes(type)).join(', ')} do not trigger Ferry runs`,
              );
            if (kept.length > 0) out.types = kept;
          } else if (branchKeys[key] && !(event !== 'push' && key.startsWith('tags')))
            out[branchKeys[key]] = (Array.isArray(value) ? value : [value]).map(String);
        }
        if (event === 'pull_request_target')
          report.add(
            'approximated',
            source,
            at,
            "pull_request_target runs as pull_request (Ferry runs the pull request's commit, with no secrets)",
          );
        const name = event === 'push' ? 'push' : 'pull_request';
        on[name] = Object.keys(out).length > 0 ? out : null;
        break;
      }
      case 'workflow_dispatch':
      case 'workflow_call':
        on.manual = null;
        if (isObject(filter.inputs)) {
          inputs = { ...inputs };
          for (const [name, spec] of Object.entries(filter.inputs))
            inputs[name] = isObject(spec) ? (spec.default ?? '') : '';
          report.add(
            'changed',
            source,
            [...at, 'inputs'],
            `${event} inputs take their defaults (inputs.<name> is replaced by the default)`,
          );
        }
        break;
      case 'merge_group':
        report.add(
          'approximated',
          source,
          at,
          'merge_group: Ferry has no merge queue; push and pull_request runs cover it',
        );
        break;
      case 'schedule':
        report.add(
          'dropped',
          source,
          at,
          'schedule: Ferry has no scheduled trigger; run ferry run from cron, or call the API on a timer',
        );
        break;
      default:
        report.add('dropped', source, at, `the ${event} event has no Ferry trigger`);
    }
  }
  if (Object.keys(on).length === 0) on.manual = null;
  return { on, ...(inputs ? { inputs } : {}) };
}

export { minutes };
