import { textOf } from './text-of.js';
import { literal } from './github-expressions.js';
import { expandVariables, translateGitlabCondition, type ConditionScope } from './gitlab-variables.js';
import type { ImportOptions, SourceReader } from './import-types.js';
import type { ImportReport, Source, SourcePath } from './read-source.js';
import { isObject } from './resolve-gitlab.js';
import { imageFor } from './tool-images.js';

type Json = Record<string, unknown>;

export interface GitlabContext {
  reader: SourceReader;
  options: ImportOptions;
  report: ImportReport;
  /** Global `variables`. */
  variables: Record<string, string>;
  /** `default:` (and the old top-level spellings). */
  defaults: Json;
  /** GitLab job name → Ferry job id. */
  ids: Map<string, string>;
  /** The file that defined a top-level key. */
  origin(name: string): Source;
}

const defaultKeys = [
  'image',
  'services',
  'before_script',
  'after_script',
  'cache',
  'artifacts',
  'retry',
  'timeout',
  'interruptible',
  'tags',
  'hooks',
  'id_tokens',
];

/** One GitLab job as a Ferry job; undefined when it is dropped (reported). */
export function translateGitlabJob(name: string, raw: Json, ctx: GitlabContext): Json | undefined {
  const source = ctx.origin(name);
  const { report } = ctx;
  const at = (...rest: (string | number)[]): SourcePath => [name, ...rest];
  const add = (
    kind: 'changed' | 'approximated' | 'dropped',
    path: SourcePath,
    message: string,
    nonLinux?: boolean,
  ): void => report.add(kind, source, path, message, nonLinux);

  const inherit = isObject(raw.inherit) ? raw.inherit : {};
  const job: Json = { ...raw };
  const inheritDefault = inherit.default;
  for (const key of defaultKeys) {
    const allowed =
      inheritDefault === undefined ||
      inheritDefault === true ||
      (Array.isArray(inheritDefault) && inheritDefault.includes(key));
    if (job[key] === undefined && allowed && ctx.defaults[key] !== undefined) job[key] = ctx.defaults[key];
  }
  if (job.trigger !== undefined) {
    add('dropped', at('trigger'), `job ${name} triggers another pipeline, which Ferry does not do; the job is dropped`);
    return undefined;
  }
  const tags = Array.isArray(job.tags) ? job.tags.map(String) : [];
  const other = tags.find((tag) => /windows|macos|osx|mac-|darwin/i.test(tag));
  if (other) {
    add(
      'dropped',
      at('tags'),
      `job ${name} runs on a ${other} runner: Ferry runs Linux containers, so the job is dropped`,
      true,
    );
    return undefined;
  }

  const inheritVariables = inherit.variables;
  const globals: Record<string, string> = {};
  for (const [key, value] of Object.entries(ctx.variables)) {
    if (
      inheritVariables === undefined ||
      inheritVariables === true ||
      (Array.isArray(inheritVariables) && inheritVariables.includes(key))
    )
      globals[key] = value;
  }
  const own: Record<string, string> = {};
  if (isObject(job.variables)) {
    for (const [key, value] of Object.entries(job.variables)) {
      if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key))
        own[key] = isObject(value) ? textOf(value.value ?? '') : value === null ? '' : textOf(value);
    }
  }
  const variables = { ...globals, ...own };
  const unknown = new Set<string>();
  const expand = (text: string): string => expandVariables(text, variables, unknown);
  const conditionScope: ConditionScope = { variables, note: (message) => add('approximated', at('rules'), message) };

  const out: Json = {};
  if (ctx.ids.get(name) !== name) out.name = name;
  out.stage = textOf(job.stage ?? 'test');
  const gate = conditionOf(job, conditionScope, add, at);
  if (gate === undefined) {
    add(
      'changed',
      at(job.rules !== undefined ? 'rules' : 'when'),
      `job ${name} never runs (its rules or when: never) and is left out`,
    );
    return undefined;
  }
  if (gate.if !== undefined) out.if = gate.if;
  if (gate.changes) out.changes = gate.changes;
  if (gate.allowFailure) out.allowFailure = true;

  if (job.needs !== undefined) {
    const needs: string[] = [];
    for (const need of Array.isArray(job.needs) ? job.needs : []) {
      const target: unknown = isObject(need) ? (need.job ?? need.pipeline) : need;
      if (isObject(need) && (need.project !== undefined || need.pipeline !== undefined)) {
        add(
          'dropped',
          at('needs'),
          `needs on another project or pipeline (${textOf(need.project ?? need.pipeline)}) is left out`,
        );
        continue;
      }
      const id = ctx.ids.get(textOf(target));
      if (id !== undefined) needs.push(id);
      else if (!(isObject(need) && need.optional === true)) needs.push(textOf(target).replace(/[^A-Za-z0-9_-]+/g, '-'));
    }
    out.needs = needs;
  }

  const image = isObject(job.image) ? job.image.name : job.image;
  if (isObject(job.image) && job.image.entrypoint !== undefined)
    add(
      'approximated',
      at('image'),
      'image entrypoint is not carried over: Ferry keeps the job container running its own way',
    );
  if (image === undefined) {
    out.image = imageFor('runner', undefined, ctx.options.images);
    add(
      'changed',
      at(),
      `job ${name} has no image: it runs in ${textOf(out.image)} (a GitLab runner's default image is its own setting; --image runner=<image> picks another)`,
    );
  } else out.image = mapImage(expand(textOf(image)), ctx.options);

  const services = translateServices(job.services, variables, expand, add, at);
  if (services) out.services = services;

  const env: Json = {};
  for (const [key, value] of Object.entries(own)) env[key] = expand(value);
  if (JSON.stringify(job).includes('CI_JOB_NAME')) env.CI_JOB_NAME = name;
  const checkout = checkoutOf(variables);
  if (checkout !== undefined) out.checkout = checkout;
  const matrix = parallelOf(job.parallel, env, add, at);
  if (matrix) out.matrix = matrix;
  if (Object.keys(env).length > 0) out.env = env;

  const script = [...lines(job.before_script), ...lines(job.script)];
  if (script.length === 0) {
    add('dropped', at('script'), `job ${name} has no script and is left out`);
    return undefined;
  }
  const steps: Json[] = [{ name: 'script', run: script.join('\n') }];
  const after = lines(job.after_script);
  if (after.length > 0) steps.push({ name: 'after_script', run: after.join('\n'), if: 'always()', allowFailure: true });
  out.steps = steps;

  if (job.allow_failure === true || isObject(job.allow_failure)) {
    out.allowFailure = true;
    if (isObject(job.allow_failure))
      add('approximated', at('allow_failure'), 'allow_failure: exit_codes: the job may fail with any exit code');
  }
  const retry = retryOf(job.retry, add, at);
  if (retry !== undefined) out.retry = retry;
  const timeout = job.timeout === undefined ? undefined : durationOf(textOf(job.timeout));
  if (timeout) out.timeout = timeout;
  else if (job.timeout !== undefined)
    add('approximated', at('timeout'), `timeout ${textOf(job.timeout)} could not be read; the job has no timeout`);
  const cache = cacheOf(job.cache, expand, add, at);
  if (cache) out.cache = cache;
  const artifacts = artifactsOf(job.artifacts, expand, add, at);
  if (artifacts) out.artifacts = artifacts;

  if (job.interruptible !== undefined)
    add(
      'approximated',
      at('interruptible'),
      'interruptible: Ferry does not cancel older runs by itself (ferry cancel does)',
    );
  if (job.resource_group !== undefined)
    add(
      'approximated',
      at('resource_group'),
      `resource_group ${textOf(job.resource_group)}: runs of this job are not serialized across pipelines`,
    );
  if (job.environment !== undefined)
    add(
      'approximated',
      at('environment'),
      'environment: GitLab environments (URLs, stop jobs, protection) are not modeled',
    );
  if (job.dependencies !== undefined)
    add(
      'approximated',
      at('dependencies'),
      'dependencies: Ferry copies the artifacts of the jobs in needs:, not of a chosen list',
    );
  if (job.release !== undefined) add('dropped', at('release'), 'release: creating a GitLab release is dropped');
  if (job.secrets !== undefined)
    add('dropped', at('secrets'), 'secrets from an external vault are dropped; use Ferry secrets');
  if (job.id_tokens !== undefined) add('dropped', at('id_tokens'), 'id_tokens (OIDC) are dropped');
  if (job.coverage !== undefined)
    add('changed', at('coverage'), 'coverage: the regex is not applied (no coverage badge)');
  if (job.pages !== undefined || name === 'pages')
    add('approximated', at(), 'the pages job runs, but nothing publishes its public/ directory');
  const arch = tags.find((tag) => /arm64|aarch64|armhf|ppc64|s390x|riscv/i.test(tag));
  if (arch) add('approximated', at('tags'), `runner tag ${arch}: the job runs on the engine's own architecture`);
  else if (tags.length > 0)
    add(
      'changed',
      at('tags'),
      `runner tags ${tags.join(', ')} are not needed: any Ferry runner with Docker runs the job`,
    );
  const unknownVariables = [...unknown].filter((variable) => !/^CI_/.test(variable));
  if (unknownVariables.length > 0)
    add(
      'approximated',
      at(),
      `variables not defined in the file stay as written in image, cache or artifacts: ${unknownVariables.join(', ')}`,
    );
  return out;
}

/** GIT_STRATEGY and GIT_DEPTH as Ferry's checkout (GitLab's default depth is its project setting; Ferry's is 1). */
function checkoutOf(variables: Record<string, string>): boolean | Json | undefined {
  if (variables.GIT_STRATEGY === 'none' || variables.GIT_STRATEGY === 'empty') return false;
  const depth = Number(variables.GIT_DEPTH);
  if (variables.GIT_DEPTH === undefined || !Number.isInteger(depth) || depth < 0 || depth === 1) return undefined;
  return { depth };
}

/** Script lines; nested lists (from !reference) are flattened, as GitLab does. */
function lines(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.flatMap((item) => lines(item));
  return [textOf(value)];
}

function mapImage(image: string, options: ImportOptions): string {
  const override = options.images?.[image] ?? options.images?.[image.split(':')[0] ?? ''];
  return override ?? image;
}

type Add = (
  kind: 'changed' | 'approximated' | 'dropped',
  path: SourcePath,
  message: string,
  nonLinux?: boolean,
) => void;
type At = (...rest: (string | number)[]) => SourcePath;

interface Gate {
  if?: string;
  changes?: string[];
  allowFailure?: boolean;
}

/** rules / only / except / when as an `if:` (and `changes:`); undefined when the job never runs. */
function conditionOf(job: Json, scope: ConditionScope, add: Add, at: At): Gate | undefined {
  if (Array.isArray(job.rules)) return rulesGate(job.rules.flat(), job.when, scope, add, at);
  const terms: string[] = [];
  const changes: string[] = [];
  const refs = (value: unknown): { refs: string[]; variables: string[]; changes: string[] } => {
    if (Array.isArray(value)) return { refs: value.map(String), variables: [], changes: [] };
    if (isObject(value)) {
      return {
        refs: Array.isArray(value.refs) ? value.refs.map(String) : [],
        variables: Array.isArray(value.variables) ? value.variables.map(String) : [],
        changes: Array.isArray(value.changes)
          ? value.changes.map(String)
          : isObject(value.changes) && Array.isArray(value.changes.paths)
            ? value.changes.paths.map(String)
            : [],
      };
    }
    return { refs: [], variables: [], changes: [] };
  };
  const only = refs(job.only);
  const except = refs(job.except);
  if (only.refs.length > 0) terms.push(`(${only.refs.map((ref) => refCondition(ref, scope)).join(' || ')})`);
  if (only.variables.length > 0)
    terms.push(`(${only.variables.map((text) => translateGitlabCondition(text, scope)).join(' || ')})`);
  changes.push(...only.changes);
  if (except.refs.length > 0) terms.push(`!(${except.refs.map((ref) => refCondition(ref, scope)).join(' || ')})`);
  if (except.variables.length > 0)
    terms.push(`!(${except.variables.map((text) => translateGitlabCondition(text, scope)).join(' || ')})`);
  if (except.changes.length > 0) changes.push(...except.changes.map((glob) => `!${glob}`));
  const when = textOf(job.when ?? 'on_success');
  if (when === 'never') return undefined;
  return withWhen(when, terms.length > 0 ? terms.join(' && ') : undefined, changes, add, at('when'));
}

function withWhen(when: string, condition: string | undefined, changes: string[], add: Add, at: SourcePath): Gate {
  const gate: Gate = {};
  if (changes.length > 0) gate.changes = changes;
  let text = condition;
  if (when === 'manual') {
    text = text === undefined ? "run.trigger == 'manual'" : `(${text}) && run.trigger == 'manual'`;
    gate.allowFailure = true;
    add(
      'approximated',
      at,
      "when: manual: the job runs only in manually triggered runs (ferry run --trigger manual, or the API); GitLab's play button has no Ferry equivalent",
    );
  } else if (when === 'always') text = text === undefined ? 'always()' : `always() && (${text})`;
  else if (when === 'on_failure') text = text === undefined ? 'failure()' : `failure() && (${text})`;
  else if (when === 'delayed') add('approximated', at, 'when: delayed runs at once (start_in is not applied)');
  if (text !== undefined) gate.if = text;
  return gate;
}

function refCondition(ref: string, scope: ConditionScope): string {
  switch (ref) {
    case 'branches':
      return "git.branch != ''";
    case 'tags':
      return "git.tag != ''";
    case 'merge_requests':
    case 'external_pull_requests':
      return "run.trigger == 'pull_request'";
    case 'pushes':
      return "run.trigger == 'push'";
    case 'web':
    case 'api':
    case 'triggers':
      return "run.trigger == 'manual'";
    case 'schedules':
    case 'pipelines':
    case 'chat':
      scope.note(`only/except ${ref}: Ferry has no such trigger`);
      return 'false';
    default:
      if (ref.startsWith('/')) return translateGitlabCondition(`$CI_COMMIT_REF_NAME =~ ${ref}`, scope);
      return `(git.branch == ${literal(ref)} || git.tag == ${literal(ref)})`;
  }
}

function rulesGate(rules: unknown[], jobWhen: unknown, scope: ConditionScope, add: Add, at: At): Gate | undefined {
  const terms: string[] = [];
  const earlier: string[] = [];
  const changes: string[] = [];
  let anyChanges = false;
  let allowFailure = false;
  let manual = false;
  rules.forEach((raw, index) => {
    if (!isObject(raw)) return;
    const rule = raw;
    const condition = rule.if === undefined ? 'true' : translateGitlabCondition(textOf(rule.if), scope);
    const when = textOf(rule.when ?? jobWhen ?? 'on_success');
    if (rule.exists !== undefined) add('approximated', at('rules', index, 'exists'), 'rules: exists is taken as true');
    if (rule.changes !== undefined) {
      const list = Array.isArray(rule.changes)
        ? rule.changes
        : isObject(rule.changes) && Array.isArray(rule.changes.paths)
          ? rule.changes.paths
          : [];
      if (when !== 'never') changes.push(...list.map(String));
      anyChanges = true;
    }
    if (rule.variables !== undefined)
      add('approximated', at('rules', index, 'variables'), 'rules: variables are not applied');
    if (rule.needs !== undefined) add('approximated', at('rules', index, 'needs'), 'rules: needs are not applied');
    if (rule.allow_failure === true) allowFailure = true;
    if (when !== 'never') {
      const guard = earlier.length > 0 ? `!(${earlier.join(' || ')})` : undefined;
      let term =
        [guard, condition === 'true' ? undefined : condition].filter((part) => part !== undefined).join(' && ') ||
        'true';
      if (when === 'manual') {
        manual = true;
        term = `(${term}) && run.trigger == 'manual'`;
      } else if (when === 'always') term = `always() && (${term})`;
      else if (when === 'on_failure') term = `failure() && (${term})`;
      terms.push(term);
    }
    if (rule.changes === undefined) earlier.push(condition === 'true' ? 'true' : `(${condition})`);
  });
  if (terms.length === 0) return undefined;
  if (manual)
    add(
      'approximated',
      at('rules'),
      "when: manual: the job runs only in manually triggered runs; GitLab's play button has no Ferry equivalent",
    );
  if (anyChanges)
    add(
      'approximated',
      at('rules'),
      "rules: changes become the job's changes: (the job runs when those paths changed, whichever rule matched)",
    );
  const gate: Gate = {};
  if (!terms.includes('true')) gate.if = terms.length === 1 ? terms[0] : terms.map((term) => `(${term})`).join(' || ');
  if (changes.length > 0) gate.changes = changes;
  if (allowFailure || manual) gate.allowFailure = true;
  return gate;
}

function translateServices(
  raw: unknown,
  variables: Record<string, string>,
  expand: (text: string) => string,
  add: Add,
  at: At,
): Json | undefined {
  if (!Array.isArray(raw) || raw.length === 0) return undefined;
  const out: Json = {};
  raw.forEach((entry, index) => {
    const service = typeof entry === 'string' ? { name: entry } : isObject(entry) ? entry : undefined;
    if (!service || service.name === undefined) return;
    const image = expand(textOf(service.name));
    const alias = typeof service.alias === 'string' ? (service.alias.split(/[,\s]+/)[0] ?? '') : '';
    const host = (
      alias ||
      (image.split(':')[0] ?? image)
        .split('/')
        .slice(image.includes('.') && image.split('/').length > 1 ? 1 : 0)
        .join('-')
    )
      .toLowerCase()
      .replace(/[^a-z0-9_.-]/g, '-');
    const sidecar: Json = { image };
    // GitLab passes the job's variables to its services too.
    const env: Json = {};
    for (const [key, value] of Object.entries(variables)) env[key] = expand(value);
    if (isObject(service.variables))
      for (const [key, value] of Object.entries(service.variables)) env[key] = expand(textOf(value));
    if (Object.keys(env).length > 0) sidecar.env = env;
    if (service.command !== undefined)
      sidecar.command = Array.isArray(service.command) ? service.command.map(String) : textOf(service.command);
    if (service.entrypoint !== undefined)
      add('approximated', at('services', index), 'service entrypoint is not carried over');
    out[host] = sidecar;
  });
  return Object.keys(out).length > 0 ? out : undefined;
}

function parallelOf(raw: unknown, env: Json, add: Add, at: At): Json | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw === 'number') {
    env.CI_NODE_INDEX = '${{ matrix.CI_NODE_INDEX }}';
    env.CI_NODE_TOTAL = raw;
    return { CI_NODE_INDEX: Array.from({ length: raw }, (_, index) => index + 1) };
  }
  if (!isObject(raw) || !Array.isArray(raw.matrix)) return undefined;
  const include: Json[] = [];
  const keys = new Set<string>();
  for (const entry of raw.matrix) {
    if (!isObject(entry)) continue;
    let cells: Json[] = [{}];
    for (const [key, value] of Object.entries(entry)) {
      keys.add(key);
      const values: unknown[] = Array.isArray(value) ? value : [value];
      cells = cells.flatMap((cell) =>
        values.map((item: unknown) => ({ ...cell, [key]: typeof item === 'object' ? JSON.stringify(item) : item })),
      );
    }
    include.push(...cells);
  }
  for (const key of keys) {
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) env[key] = `\${{ matrix.${key} }}`;
    else add('approximated', at('parallel'), `matrix variable ${key} is not a valid environment variable name`);
  }
  return include.length > 0 ? { include } : undefined;
}

const retryWhen: Record<string, string[]> = {
  always: ['failure', 'timeout', 'infra'],
  unknown_failure: ['failure', 'timeout', 'infra'],
  script_failure: ['failure'],
  job_execution_timeout: ['timeout'],
  stuck_or_timeout_failure: ['timeout'],
};

function retryOf(raw: unknown, add: Add, at: At): number | Json | undefined {
  if (typeof raw === 'number') return Math.min(raw, 5);
  if (!isObject(raw)) return undefined;
  const max = Math.min(Number(raw.max ?? 0), 5);
  if (raw.when === undefined) return max;
  const when = new Set(
    (Array.isArray(raw.when) ? raw.when : [raw.when]).flatMap((value) => retryWhen[textOf(value)] ?? ['infra']),
  );
  if (raw.exit_codes !== undefined) add('approximated', at('retry'), 'retry: exit_codes are not distinguished');
  return { max, when: [...when].sort() };
}

/** GitLab's human durations (`1h 30m`, `3 hours`, `10 minutes`, `1 week`) as Ferry's (`1h30m`). */
export function durationOf(text: string): string | undefined {
  const units: Record<string, number> = {
    s: 1,
    sec: 1,
    second: 1,
    m: 60,
    min: 60,
    minute: 60,
    h: 3600,
    hr: 3600,
    hour: 3600,
    d: 86400,
    day: 86400,
    w: 604800,
    week: 604800,
    mo: 2592000,
    month: 2592000,
    y: 31536000,
    year: 31536000,
  };
  let seconds = 0;
  let matched = false;
  for (const match of text.toLowerCase().matchAll(/(\d+(?:\.\d+)?)\s*([a-z]+)/g)) {
    const unit = (match[2] ?? '')
      .replace(/s$/, '')
      .replace(/^mins?$/, 'min')
      .replace(/^secs?$/, 'sec')
      .replace(/^hrs?$/, 'hr');
    const factor = units[unit] ?? units[match[2] ?? ''];
    if (factor === undefined) return undefined;
    seconds += Number(match[1]) * factor;
    matched = true;
  }
  if (!matched && /^\d+$/.test(text.trim())) seconds = Number(text.trim());
  else if (!matched) return undefined;
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = Math.round(seconds % 60);
  return `${hours > 0 ? `${hours}h` : ''}${minutes > 0 ? `${minutes}m` : ''}${rest > 0 || seconds === 0 ? `${rest}s` : ''}`;
}

function cacheOf(raw: unknown, expand: (text: string) => string, add: Add, at: At): Json | undefined {
  const caches = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).filter(isObject);
  if (caches.length === 0) return undefined;
  if (caches.length > 1)
    add('approximated', at('cache'), 'several caches are merged into one (Ferry has one cache per job)');
  const keys: string[] = [];
  const paths: string[] = [];
  const restoreKeys: string[] = [];
  for (const cache of caches) {
    const key = cache.key;
    if (isObject(key)) {
      const files = Array.isArray(key.files) ? key.files.map((file) => `'${textOf(file)}'`).join(', ') : "'**'";
      keys.push(`${key.prefix !== undefined ? `${expand(textOf(key.prefix))}-` : ''}\${{ hashFiles(${files}) }}`);
    } else keys.push(key === undefined ? 'default' : expand(textOf(key)));
    if (Array.isArray(cache.paths)) paths.push(...cache.paths.map((path) => expand(textOf(path)).replace(/^\.\//, '')));
    if (Array.isArray(cache.fallback_keys)) restoreKeys.push(...cache.fallback_keys.map((key) => expand(textOf(key))));
    if (cache.policy !== undefined && cache.policy !== 'pull-push')
      add(
        'approximated',
        at('cache', 'policy'),
        `cache policy ${textOf(cache.policy)}: Ferry restores, and saves when the key missed`,
      );
    if (cache.untracked === true)
      add('approximated', at('cache', 'untracked'), 'cache untracked: true is not carried over (name the paths)');
    if (cache.when !== undefined && cache.when !== 'on_success')
      add(
        'approximated',
        at('cache', 'when'),
        `cache when: ${textOf(cache.when)}: Ferry saves caches after successful jobs only`,
      );
  }
  if (paths.length === 0) return undefined;
  return { key: keys.join('-'), paths: [...new Set(paths)], ...(restoreKeys.length > 0 ? { restoreKeys } : {}) };
}

function artifactsOf(raw: unknown, expand: (text: string) => string, add: Add, at: At): Json | undefined {
  if (!isObject(raw)) return undefined;
  const paths = (Array.isArray(raw.paths) ? raw.paths : []).map((path) => expand(textOf(path)).replace(/^\.\//, ''));
  if (isObject(raw.reports)) {
    add(
      'approximated',
      at('artifacts', 'reports'),
      `artifact reports (${Object.keys(raw.reports).join(', ')}) are kept as plain artifacts, not parsed`,
    );
    for (const value of Object.values(raw.reports)) {
      for (const path of Array.isArray(value) ? value : typeof value === 'string' ? [value] : [])
        paths.push(expand(textOf(path)));
    }
  }
  if (raw.exclude !== undefined) add('approximated', at('artifacts', 'exclude'), 'artifacts exclude is not applied');
  if (raw.untracked === true)
    add('approximated', at('artifacts', 'untracked'), 'artifacts untracked: true is not carried over (name the paths)');
  const kept = [...new Set(paths)].filter((path) => path.length > 0);
  if (kept.length === 0) return undefined;
  const when = raw.when === 'always' ? 'always' : raw.when === 'on_failure' ? 'on-failure' : undefined;
  const expire = typeof raw.expire_in === 'string' && raw.expire_in !== 'never' ? durationOf(raw.expire_in) : undefined;
  if (!when && !expire) return kept as unknown as Json;
  return { paths: kept, ...(when ? { when } : {}), ...(expire ? { expireIn: expire } : {}) };
}
