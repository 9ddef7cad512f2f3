import { textOf } from './text-of.js';
import type { ImportOptions, SourceReader } from './import-types.js';
import type { ImportReport, Source } from './read-source.js';
import { gitlabKeywords, isObject, resolveExtends, resolveIncludes, resolveReferences } from './resolve-gitlab.js';
import { expandVariables, predefinedVariables } from './gitlab-variables.js';
import { translateGitlabJob, type GitlabContext } from './translate-gitlab-job.js';

type Json = Record<string, unknown>;

/**
 * GitLab runs a job's script with bash when the image has it (`set -eo pipefail`), else with sh (`set -e`).
 * Ferry splits a shell command line on whitespace (as GitHub does), so the test is one word: ${IFS} spaces it.
 */
export const gitlabShell =
  'sh -c command${IFS}-v${IFS}bash>/dev/null&&exec${IFS}bash${IFS}-eo${IFS}pipefail${IFS}"$0"||exec${IFS}sh${IFS}-e${IFS}"$0" {0}';

/** A GitLab CI file (with its local includes) as a Ferry pipeline; what does not map is reported. */
export function translateGitlab(
  source: Source,
  reader: SourceReader,
  options: ImportOptions,
  report: ImportReport,
): Json {
  const resolved = resolveIncludes(source, reader, report);
  const origin = resolved.origin;
  const config = resolveReferences(resolveExtends(resolved.config, origin, report), origin, report);
  const at = (key: string): Source => origin.get(key) ?? source;

  const variables = variablesOf(config.variables);
  const unknown = new Set<string>();
  const env: Json = {};
  for (const [name, value] of Object.entries(variables)) env[name] = expandVariables(value, variables, unknown);
  // Scripts read predefined variables from the environment, as on GitLab: the ones the file uses are set.
  const text = JSON.stringify(config);
  for (const [name, value] of Object.entries(predefinedVariables)) {
    if (new RegExp(`\\b${name}\\b`).test(text) && !(name in env)) env[name] = value;
  }
  const missing = [...new Set(text.match(/\bCI_[A-Z0-9_]+\b/g) ?? [])].filter(
    (name) => !(name in env) && !['CI_NODE_INDEX', 'CI_NODE_TOTAL', 'CI_JOB_NAME'].includes(name),
  );
  if (missing.length > 0) {
    report.add(
      'approximated',
      source,
      [],
      `GitLab variables Ferry does not set: ${missing.sort().join(', ')} (they are empty in jobs; pass them with --env or as secrets)`,
    );
  }
  const pipeline: Json = {};
  if (Object.keys(env).length > 0) pipeline.env = env;
  pipeline.defaults = { shell: gitlabShell };
  if (config.workflow !== undefined) {
    report.add(
      'approximated',
      at('workflow'),
      ['workflow'],
      'workflow: rules and names are not applied; the pipeline runs on every trigger Ferry receives',
    );
  }
  for (const key of ['image', 'services', 'before_script', 'after_script', 'cache']) {
    if (config[key] !== undefined)
      report.add(
        'changed',
        at(key),
        [key],
        `top-level ${key} is GitLab's old spelling of default:${key}; it applies to every job`,
      );
  }
  const defaults: Json = { ...(isObject(config.default) ? config.default : {}) };
  for (const key of ['image', 'services', 'before_script', 'after_script', 'cache'])
    if (config[key] !== undefined && defaults[key] === undefined) defaults[key] = config[key];

  const declared = Array.isArray(config.stages) ? config.stages.map(String) : ['build', 'test', 'deploy'];
  const jobNames = Object.keys(config).filter(
    (name) => !gitlabKeywords.has(name) && !name.startsWith('.') && isObject(config[name]),
  );
  const ids = new Map<string, string>();
  for (const name of jobNames) ids.set(name, uniqueId(name, ids));
  const renamed = [...ids].filter(([name, id]) => name !== id);
  if (renamed.length > 0) {
    report.add(
      'changed',
      source,
      [],
      `job names are made ids (letters, digits, - and _): ${renamed
        .slice(0, 3)
        .map(([name, id]) => `"${name}" → ${id}`)
        .join(', ')}${renamed.length > 3 ? ', …' : ''}; the name is kept as name:`,
    );
  }
  const context: GitlabContext = { reader, options, report, variables, defaults, ids, origin: at };
  const jobs: Json = {};
  for (const name of jobNames) {
    const job = translateGitlabJob(name, config[name] as Json, context);
    if (job) jobs[ids.get(name) as string] = job;
  }
  for (const [id, job] of Object.entries(jobs)) {
    if (!isObject(job) || !Array.isArray(job.needs)) continue;
    const kept = (job.needs as string[]).filter((need) => need in jobs);
    if (kept.length < (job.needs as string[]).length) {
      const name = [...ids].find(([, value]) => value === id)?.[0] ?? id;
      report.add(
        'approximated',
        at(name),
        [name, 'needs'],
        `needs ${(job.needs as string[]).filter((need) => !kept.includes(need)).join(', ')}, which ${kept.length === (job.needs as string[]).length - 1 ? 'is' : 'are'} not in the pipeline; left out`,
      );
      job.needs = kept;
    }
  }
  const used = new Set(Object.values(jobs).map((job) => (isObject(job) ? textOf(job.stage ?? 'test') : 'test')));
  const stages = ['.pre', ...declared, '.post'].filter((stage) => declared.includes(stage) || used.has(stage));
  pipeline.stages = stages.length > 0 ? stages : ['test'];
  for (const job of Object.values(jobs))
    if (isObject(job) && job.stage !== undefined && !stages.includes(textOf(job.stage))) stages.push(textOf(job.stage));
  pipeline.jobs = jobs;
  if (Object.keys(jobs).length === 0) report.add('dropped', source, [], 'no job is left to run');
  void unknown;
  return pipeline;
}

function variablesOf(raw: unknown): Record<string, string> {
  if (!isObject(raw)) return {};
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) continue;
    out[name] = isObject(value) ? textOf(value.value ?? '') : value === null ? '' : textOf(value);
  }
  return out;
}

function uniqueId(name: string, taken: Map<string, string>): string {
  let id = name.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '') || 'job';
  if (!/^[A-Za-z_]/.test(id)) id = `_${id}`;
  const used = new Set(taken.values());
  let candidate = id;
  for (let index = 2; used.has(candidate); index++) candidate = `${id}-${index}`;
  return candidate;
}
