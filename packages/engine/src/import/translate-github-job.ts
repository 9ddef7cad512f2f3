import { textOf } from './text-of.js';
import { rewriteCondition, rewriteText, type ExpressionScope } from './github-expressions.js';
import { translateMatrix } from './github-matrix.js';
import { newJobDraft, type JobDraft } from './job-draft.js';
import type { ImportOptions, SourceReader } from './import-types.js';
import type { ImportReport, Source, SourcePath } from './read-source.js';
import { imageFor, isOverridden, normalizeVersion } from './tool-images.js';
import { minutes, translateEnv, translateGithubSteps, translateShell } from './translate-github-steps.js';

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export interface GithubJobContext {
  source: Source;
  reader: SourceReader;
  options: ImportOptions;
  report: ImportReport;
  /** `inputs.*` values of the workflow (workflow_dispatch defaults, or a reusable workflow's `with`). */
  inputs?: Json;
  depth: number;
  /** Prefix of job ids inlined from a reusable workflow. */
  prefix: string;
}

const notLinux = (label: string): boolean => /windows|macos|mac-|osx/i.test(label);

/** One GitHub job as a Ferry job; undefined when it is dropped (reported). */
export function translateGithubJob(id: string, raw: Json, context: GithubJobContext): Json | undefined {
  const { source, report } = context;
  const at = (...rest: (string | number)[]): SourcePath => ['jobs', id, ...rest];
  const runsOn = runsOnOf(raw['runs-on']);
  if (runsOn.other) {
    report.add(
      'dropped',
      source,
      at('runs-on'),
      `job ${id} runs on ${runsOn.other}: Ferry runs Linux containers, so the job is dropped`,
      true,
    );
    return undefined;
  }
  const secrets = new Set<string>();
  const strategy = isObject(raw.strategy) ? raw.strategy : {};
  const matrix = translateMatrix(strategy, runsOn.axis, source, report, at('strategy', 'matrix'));
  if (matrix.dropJob !== undefined) {
    const nonLinux = matrix.dropJob.includes('Windows or macOS');
    report.add('dropped', source, at('strategy'), `job ${id} is dropped: ${matrix.dropJob}`, nonLinux);
    return undefined;
  }
  const scope: ExpressionScope = {
    jobId: id,
    ...(context.inputs ? { inputs: context.inputs } : {}),
    flatAxes: matrix.flatAxes,
    jobName: (name) => `${context.prefix}${name}`,
    note: (kind, message) => report.add(kind, source, at(), message),
    secret: (name) => secrets.add(name),
  };
  const scopeAt = (...rest: (string | number)[]): ExpressionScope => ({
    ...scope,
    note: (kind, message) => report.add(kind, source, at(...rest), message),
  });

  const draft = newJobDraft(`${context.prefix}${id}`);
  const steps = Array.isArray(raw.steps) ? raw.steps : [];
  translateGithubSteps(steps, at('steps'), {
    source,
    report,
    reader: context.reader,
    ...(context.options.actions ? { actions: context.options.actions } : {}),
    scope,
    job: draft,
    depth: context.depth,
  });
  // GitHub runs the pre steps of actions first and their post steps last, the last action's first.
  draft.steps = [...draft.pres, ...draft.steps, ...[...draft.posts].reverse()];

  const job: Json = {};
  if (raw.name !== undefined) job.name = rewriteText(textOf(raw.name), scopeAt('name'));
  const needs =
    raw.needs === undefined
      ? []
      : (Array.isArray(raw.needs) ? raw.needs : [raw.needs]).map((need) => `${context.prefix}${textOf(need)}`);
  if (needs.length > 0) job.needs = needs;
  if (raw.if !== undefined) job.if = rewriteCondition(raw.if, scopeAt('if'));
  if (matrix.matrix) {
    job.matrix = matrix.matrix;
    normalizeVersionAxis(matrix.matrix, draft, report);
  }

  const container = containerOf(raw.container, scopeAt('container'));
  job.image = chooseImage(draft, container?.image, runsOn.label, context, at);
  if (container?.options)
    report.add(
      'approximated',
      source,
      at('container', 'options'),
      `container options (${container.options}) are not carried over`,
    );

  const env = { ...(container?.env ?? {}), ...(translateEnv(raw.env, scopeAt('env')) ?? {}), ...draft.env };
  const services = translateServices(raw.services, id, context, scopeAt('services'));
  if (services) {
    job.services = services.sidecars;
    rewriteLocalhost(env, draft, services.ports, report, source, at('services'));
  }
  if (Object.keys(env).length > 0) job.env = env;
  const defaults = isObject(raw.defaults) && isObject(raw.defaults.run) ? raw.defaults.run : undefined;
  if (defaults) {
    const out: Json = {};
    const shell = translateShell(defaults.shell);
    if (shell) out.shell = shell;
    if (defaults['working-directory'] !== undefined) {
      out.workdir = textOf(defaults['working-directory']);
      // defaults.run is for run steps only: an action runs in the workspace.
      for (const step of draft.steps) if (step.workflowCommands === true) step.workdir ??= '/workspace';
    }
    if (Object.keys(out).length > 0) job.defaults = out;
  }
  const timeout = minutes(raw['timeout-minutes']);
  if (timeout) job.timeout = timeout;
  const continueOnError = raw['continue-on-error'];
  if (continueOnError === true || continueOnError === 'true') job.allowFailure = true;
  else if (typeof continueOnError === 'string') {
    job.allowFailure = true;
    report.add(
      'approximated',
      source,
      at('continue-on-error'),
      `continue-on-error: ${continueOnError} is an expression; every cell of job ${id} may fail without failing the run`,
    );
  }
  if (isObject(raw.outputs)) {
    job.outputs = Object.fromEntries(
      Object.entries(raw.outputs).map(([name, value]) => [name, rewriteText(textOf(value), scopeAt('outputs', name))]),
    );
  }
  if (raw.environment !== undefined)
    report.add(
      'approximated',
      source,
      at('environment'),
      'environment: its protection rules and secrets are not modeled; the job runs without approval',
    );
  if (raw.concurrency !== undefined)
    report.add('approximated', source, at('concurrency'), 'concurrency groups are not modeled');
  if (raw.permissions !== undefined)
    report.add('changed', source, at('permissions'), 'permissions are not needed: Ferry jobs get no GitHub token');

  if (draft.checkout !== undefined) {
    if (draft.checkout !== true) job.checkout = draft.checkout;
  } else job.checkout = false;
  if (draft.cache) job.cache = draft.cache;
  if (draft.artifacts)
    job.artifacts = draft.artifacts.when || draft.artifacts.expireIn ? draft.artifacts : draft.artifacts.paths;
  if (secrets.size > 0) job.secrets = [...secrets].sort();

  dropMissingStepReads(job, draft, report, source, at('steps'));
  if (draft.docker?.build && !draft.hasWork) return asBuildJob(job, draft, id, context);
  if (draft.docker?.build) {
    report.add(
      'dropped',
      source,
      draft.docker.buildPath ?? at(),
      'docker/build-push-action in a job with other steps is dropped; move the build into a job of its own',
    );
  }
  if (draft.steps.length === 0) {
    if (!draft.hasWork) {
      report.add('dropped', source, at(), `job ${id} has nothing left to run and is dropped`);
      return undefined;
    }
    draft.steps.push({ name: 'nothing left to run', run: 'echo "every step of this job was dropped by ferry import"' });
  }
  job.steps = draft.steps;
  if (draft.actions.size > 0) job.actions = [...draft.actions];
  return job;
}

/** A tool's version read from a matrix axis (`node: [18.x, 20.x]`) is spelled as image tags are (`18`, `20`). */
function normalizeVersionAxis(matrix: Json, draft: JobDraft, report: ImportReport): void {
  const first = draft.tools[0];
  const axis = /^\$\{\{\s*\(?\s*matrix\.([\w-]+)\s*\)?\s*\}\}$/.exec(first?.version ?? '')?.[1];
  if (!first || axis === undefined) return;
  const changed: string[] = [];
  const fix = (value: unknown): unknown => {
    if (typeof value !== 'string' && typeof value !== 'number') return value;
    const normalized = normalizeVersion(first.tool, textOf(value));
    if (normalized === textOf(value)) return value;
    changed.push(`${textOf(value)} → ${normalized}`);
    return normalized;
  };
  if (Array.isArray(matrix[axis])) matrix[axis] = (matrix[axis] as unknown[]).map(fix);
  for (const key of ['include', 'exclude']) {
    if (Array.isArray(matrix[key]))
      for (const cell of matrix[key] as Json[]) if (axis in cell) cell[axis] = fix(cell[axis]);
  }
  if (changed.length > 0)
    report.add(
      'changed',
      first.source,
      first.path,
      `matrix.${axis} values are written as image tags: ${[...new Set(changed)].join(', ')}`,
    );
}

/**
 * `steps.<id>` of a step that became job settings or was dropped has no value in Ferry: it reads as null
 * (GitHub gives null for a step that did not run, too).
 */
function dropMissingStepReads(job: Json, draft: JobDraft, report: ImportReport, source: Source, at: SourcePath): void {
  const ids = new Set(draft.steps.map((step) => step.id).filter((stepId) => stepId !== undefined));
  const missing = new Set<string>();
  const rewrite = (text: string): string =>
    text.replace(/\bsteps\.([A-Za-z_][\w-]*)((?:\.[\w-]+)*)/g, (whole, stepId: string) => {
      if (ids.has(stepId)) return whole;
      missing.add(stepId);
      return 'null';
    });
  const inExpressions = (text: string): string => text.replace(/\$\{\{[\s\S]*?\}\}/g, rewrite);
  for (const step of draft.steps) {
    for (const key of ['run', 'name', 'workdir'] as const)
      if (typeof step[key] === 'string') step[key] = inExpressions(step[key]);
    if (typeof step.if === 'string') step.if = rewrite(step.if);
    if (isObject(step.env))
      for (const [name, value] of Object.entries(step.env))
        if (typeof value === 'string') step.env[name] = inExpressions(value);
  }
  if (isObject(job.outputs))
    for (const [name, value] of Object.entries(job.outputs))
      if (typeof value === 'string') job.outputs[name] = inExpressions(value);
  if (missing.size > 0) {
    report.add(
      'approximated',
      source,
      at,
      `steps.${[...missing].join(', steps.')} ${missing.size === 1 ? 'is a step' : 'are steps'} that became job settings or were dropped: ${missing.size === 1 ? 'its' : 'their'} outputs read as null`,
    );
  }
}

function runsOnOf(raw: unknown): { other?: string; axis?: string; label: string } {
  const labels = isObject(raw) ? [raw.labels, raw.group].flat() : Array.isArray(raw) ? raw : [raw];
  const texts = labels.filter((label) => label !== undefined && label !== null).map(String);
  const axis = texts.map((text) => /\$\{\{[^}]*\bmatrix\.([\w-]+)/.exec(text)?.[1]).find((name) => name !== undefined);
  const other = texts.find((text) => !text.includes('${{') && notLinux(text));
  return { ...(other ? { other } : {}), ...(axis ? { axis } : {}), label: texts.join(', ') || 'ubuntu-latest' };
}

function containerOf(
  raw: unknown,
  scope: ExpressionScope,
): { image: string; env?: Json; options?: string } | undefined {
  if (typeof raw === 'string') return { image: rewriteText(raw, scope) };
  if (!isObject(raw) || raw.image === undefined) return undefined;
  const env = translateEnv(raw.env, scope);
  return {
    image: rewriteText(textOf(raw.image), scope),
    ...(env ? { env } : {}),
    ...(raw.options ? { options: textOf(raw.options) } : {}),
  };
}

function chooseImage(
  draft: JobDraft,
  container: string | undefined,
  runsOn: string,
  context: GithubJobContext,
  at: (...rest: (string | number)[]) => SourcePath,
): string {
  const { report, source, options } = context;
  const [first, ...others] = draft.tools;
  const distinct = others.filter(
    (tool) => tool.tool !== first?.tool && !(first?.tool === 'uv' && tool.tool === 'python'),
  );
  if (container !== undefined) {
    if (first)
      report.add(
        'approximated',
        first.source,
        first.path,
        `${first.tool} is set up inside the job's container ${container}; the container's image is used as it is`,
      );
    return container;
  }
  if (!first && draft.nodeVersion !== undefined) {
    const image = imageFor('node', draft.nodeVersion, options.images);
    report.add(
      'changed',
      source,
      at('runs-on'),
      `runs-on ${runsOn}: the job runs in ${image}, as it runs a JavaScript action (node ${draft.nodeVersion})`,
    );
    return image;
  }
  if (!first) {
    const image = imageFor('runner', undefined, options.images);
    report.add(
      'changed',
      source,
      at('runs-on'),
      `runs-on ${runsOn}: the job runs in ${image}${isOverridden('runner', undefined, options.images) ? '' : ' (a stand-in for the GitHub runner; --image runner=<image> picks another)'}`,
    );
    return image;
  }
  if (draft.nodeVersion !== undefined && first.tool !== 'node')
    report.add(
      'approximated',
      first.source,
      first.path,
      `the job runs a JavaScript action in the ${first.tool} image, which may have no node (the step then fails with EXEC_NODE_MISSING)`,
    );
  for (const tool of distinct) {
    report.add(
      'approximated',
      tool.source,
      tool.path,
      `the job also sets up ${tool.tool}; it runs in the ${first.tool} image, which may not have it (make an image with both, and map it with --image ${first.tool}=<image>)`,
    );
  }
  // setup-uv without a python-version uses the one setup-python asks for, before or after it.
  const python = draft.tools.find((tool) => tool.tool === 'python');
  if (first.tool === 'uv' && first.version === undefined && python?.version !== undefined)
    first.version = python.version;
  const image = imageFor(first.tool, first.version, options.images);
  const overridden = isOverridden(first.tool, first.version, options.images);
  report.add(
    'changed',
    first.source,
    first.path,
    `${first.tool} ${first.version ?? '(default version)'} → image ${image}${overridden ? ' (--image)' : ` (--image ${first.tool}=<image> maps it to another)`}`,
  );
  return image;
}

function translateServices(
  raw: unknown,
  jobId: string,
  context: GithubJobContext,
  scope: ExpressionScope,
): { sidecars: Json; ports: Map<string, string> } | undefined {
  if (!isObject(raw)) return undefined;
  const { report, source } = context;
  const sidecars: Json = {};
  const ports = new Map<string, string>();
  for (const [name, value] of Object.entries(raw)) {
    const at: SourcePath = ['jobs', jobId, 'services', name];
    const service = typeof value === 'string' ? { image: value } : isObject(value) ? value : undefined;
    if (!service || service.image === undefined || service.image === '') continue;
    const host = name.toLowerCase().replace(/[^a-z0-9_.-]/g, '-');
    const sidecar: Json = { image: rewriteText(textOf(service.image), scope) };
    const env = translateEnv(service.env, scope);
    if (env) sidecar.env = env;
    const options = parseOptions(textOf(service.options ?? ''));
    if (options.health) sidecar.health = options.health;
    if (options.rest.length > 0)
      report.add(
        'approximated',
        source,
        [...at, 'options'],
        `service options ${options.rest.join(' ')} are not carried over`,
      );
    if (service.credentials !== undefined)
      report.add(
        'approximated',
        source,
        [...at, 'credentials'],
        "service credentials: Ferry pulls with the engine's own login",
      );
    if (service.volumes !== undefined)
      report.add('dropped', source, [...at, 'volumes'], 'service volumes are not carried over');
    for (const port of Array.isArray(service.ports) ? service.ports : []) {
      const parts = textOf(port).split(':');
      const inside = parts[parts.length - 1]?.replace(/\/.*$/, '');
      const outside = parts.length > 1 ? parts[parts.length - 2] : inside;
      if (outside) ports.set(outside, `${host}:${inside ?? outside}`);
    }
    sidecars[host] = sidecar;
  }
  return { sidecars, ports };
}

function parseOptions(text: string): { health?: Json; rest: string[] } {
  const words = [...text.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((match) => match[1] ?? match[2] ?? match[3] ?? '');
  const health: Json = {};
  const rest: string[] = [];
  const durations: Record<string, string> = {
    '--health-interval': 'interval',
    '--health-timeout': 'timeout',
    '--health-start-period': 'startPeriod',
    '--health-start-interval': 'startInterval',
  };
  for (let index = 0; index < words.length; index++) {
    const [flag = '', inline] = (words[index] ?? '').split(/=(.*)/s);
    const value = (): string => inline ?? words[++index] ?? '';
    if (flag === '--health-cmd') health.cmd = value();
    else if (durations[flag]) health[durations[flag]] = value();
    else if (flag === '--health-retries') health.retries = Number(value());
    else if (flag.startsWith('-')) {
      rest.push(
        inline !== undefined || words[index + 1]?.startsWith('-') !== false
          ? (words[index] ?? '')
          : `${flag} ${words[++index] ?? ''}`,
      );
    }
  }
  return { ...(Object.keys(health).length > 0 ? { health } : {}), rest };
}

/** `localhost:<port>` of a service's published port reads `<service>:<port>` in the job (services are reached by name). */
function rewriteLocalhost(
  env: Json,
  draft: JobDraft,
  ports: Map<string, string>,
  report: ImportReport,
  source: Source,
  at: SourcePath,
): void {
  if (ports.size === 0) return;
  let changed = false;
  const rewrite = (text: string): string =>
    text.replace(/\b(localhost|127\.0\.0\.1):(\d+)\b/g, (whole, _host: string, port: string) => {
      const target = ports.get(port);
      if (target === undefined) return whole;
      changed = true;
      return target;
    });
  for (const [key, value] of Object.entries(env)) if (typeof value === 'string') env[key] = rewrite(value);
  for (const step of draft.steps) {
    if (typeof step.run === 'string') step.run = rewrite(step.run);
    if (isObject(step.env))
      for (const [key, value] of Object.entries(step.env))
        if (typeof value === 'string') step.env[key] = rewrite(value);
  }
  if (changed)
    report.add(
      'changed',
      source,
      at,
      'localhost:<port> of a service is written <service>:<port>: Ferry reaches services by name, not through published ports',
    );
}

function asBuildJob(job: Json, draft: JobDraft, id: string, context: GithubJobContext): Json {
  const inputs = draft.docker?.build ?? {};
  const at = draft.docker?.buildPath ?? ['jobs', id];
  const { report, source } = context;
  const build: Json = { context: textOf(inputs.context ?? '.').replace(/^\$\{\{[^}]*\}\}\/?/, '') || '.' };
  if (inputs.file !== undefined) build.dockerfile = textOf(inputs.file);
  if (inputs.target !== undefined) build.target = textOf(inputs.target);
  const args = textOf(inputs['build-args'] ?? '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.includes('='));
  if (args.length > 0)
    build.args = Object.fromEntries(
      args.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
  let tags = textOf(inputs.tags ?? '')
    .split(/[\n,]/)
    .map((tag) => tag.trim())
    .filter((tag) => tag.length > 0 && !tag.includes('steps.'));
  if (tags.length === 0) {
    const images = draft.docker?.images ?? [];
    tags = (images.length > 0 ? images : [`${id}`]).map(
      (image) =>
        `${
          image
            .split(',')[0]
            ?.replace(/^name=/, '')
            .trim() ?? id
        }:\${{ git.sha }}`,
    );
    report.add(
      'approximated',
      source,
      at,
      `image tags from docker/metadata-action are computed by GitHub; the image is tagged ${tags.join(', ')}`,
    );
  }
  build.tags = tags;
  const push = inputs.push;
  build.push = push === true || push === 'true' || (typeof push === 'string' && push.includes('${{'));
  if (typeof push === 'string' && push.includes('${{'))
    report.add(
      'approximated',
      source,
      at,
      `push: ${push} is an expression; the image is pushed (a build job's push is true or false)`,
    );
  if (inputs.platforms !== undefined)
    report.add(
      'approximated',
      source,
      at,
      `platforms ${textOf(inputs.platforms)}: Ferry builds for the engine's platform`,
    );
  for (const key of ['cache-from', 'cache-to', 'provenance', 'sbom', 'outputs', 'secrets']) {
    if (inputs[key] !== undefined)
      report.add('approximated', source, at, `build-push-action's ${key} is not carried over`);
  }
  const out: Json = {};
  for (const key of ['name', 'needs', 'if', 'matrix', 'env', 'timeout', 'allowFailure', 'secrets'])
    if (job[key] !== undefined) out[key] = job[key];
  out.build = build;
  report.add('changed', source, at, `job ${id} builds an image: it becomes a build: job`);
  return out;
}
