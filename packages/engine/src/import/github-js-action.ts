import { textOf } from './text-of.js';
import { rewriteCondition, rewriteText } from './github-expressions.js';
import { translateEnv } from './github-env.js';
import type { StepContext } from './job-draft.js';
import type { Source, SourcePath } from './read-source.js';

type Step = Record<string, unknown>;

/** The `runs:` of a JavaScript action's action.yml, and its declared inputs. */
export interface JsActionManifest {
  inputs?: Record<string, { default?: unknown } | null>;
  runs: { using: string; main?: unknown; pre?: unknown; post?: unknown; 'pre-if'?: unknown; 'post-if'?: unknown };
}

export const nodeRuntimes = ['node12', 'node16', 'node20', 'node24'];

/** Where an action's files are, as the job sees them. */
export interface ActionLocation {
  /** What the workflow wrote (`./.github/actions/x`, `owner/repo@v1`). */
  uses: string;
  /** Relative to the workspace (the repository root), or absolute (the actions directory's copy in the container). */
  dir: string;
  /** action.yml, read for the report. */
  file: Source;
  /** A remote action found vendored: `owner/repo` and the ref, for GITHUB_ACTION_REPOSITORY/_REF. */
  remote?: { repository: string; ref: string };
}

const workspace = '/workspace';

/**
 * GitHub's runtime contract for a JavaScript action, run by `node` as the step's shell: the action's script runs
 * as a child with the step's environment plus `STATE_<name>` of what earlier phases saved in $GITHUB_STATE (created
 * empty, as @actions/core refuses a missing file); `::save-state` lines of older toolkits go to that file too and
 * every other line passes through (the engine reads the rest of the workflow commands). A post phase whose action
 * never ran (no state file) does nothing. No `${{` in it: the engine would read that as an expression.
 */
export const jsActionLauncher = `// ferry import: runs a GitHub JavaScript action (docs/import.md#javascript-actions)
const fs = require('fs');
const path = require('path');
const { spawn } = require('child_process');
const env = { ...process.env };
const state = env.GITHUB_STATE;
if (env.FERRY_ACTION_PHASE === 'post' && !fs.existsSync(state)) {
  console.log('the action did not run: no post step');
  process.exit(0);
}
fs.mkdirSync(path.dirname(state), { recursive: true });
fs.appendFileSync(state, '');
const lines = fs.readFileSync(state, 'utf8').split('\\n');
for (let i = 0; i < lines.length; i++) {
  const heredoc = /^([^=]+?)<<(.+)$/.exec(lines[i]);
  const at = lines[i].indexOf('=');
  if (heredoc) {
    const end = lines.indexOf(heredoc[2], i + 1);
    if (end < 0) break;
    env['STATE_' + heredoc[1]] = lines.slice(i + 1, end).join('\\n');
    i = end;
  } else if (at > 0) env['STATE_' + lines[i].slice(0, at)] = lines[i].slice(at + 1);
}
const script = path.resolve(env.GITHUB_ACTION_PATH, env.FERRY_ACTION_SCRIPT);
const child = spawn(process.execPath, [script], { env, stdio: ['inherit', 'pipe', 'inherit'] });
const pass = (line) => {
  const saved = /^::save-state name=([^:]+)::(.*)$/.exec(line);
  if (!saved) return process.stdout.write(line + '\\n');
  const value = saved[2].replace(/%0D/g, '\\r').replace(/%0A/g, '\\n').replace(/%25/g, '%');
  fs.appendFileSync(state, saved[1] + '<<ferry_state_eof\\n' + value + '\\nferry_state_eof\\n');
};
let rest = '';
child.stdout.setEncoding('utf8');
child.stdout.on('data', (chunk) => {
  const parts = (rest + chunk).split('\\n');
  rest = parts.pop();
  parts.forEach(pass);
});
child.on('close', (code) => {
  if (rest) pass(rest);
  process.exitCode = code === null ? 1 : code;
});
`;

/** `INPUT_<NAME>` as @actions/core's getInput reads it: spaces become `_`, upper-cased. */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

/**
 * Adds the steps of a JavaScript action (`runs.using: node*`): `pre` at the start of the job (not for local actions,
 * as GitHub's runner does not run it for them), `main` in place, `post` at the end (`ctx.job.posts`, which the job
 * puts in reverse order of the actions), each `node` running the launcher.
 */
export function translateJsAction(
  location: ActionLocation,
  manifest: JsActionManifest,
  step: Step,
  path: SourcePath,
  inputs: Record<string, unknown>,
  ctx: StepContext,
): void {
  const { uses, dir, file, remote } = location;
  const at = [...path, 'uses'];
  const runs = manifest.runs;
  const main = textOf(runs.main).trim();
  if (main === '') {
    ctx.job.hasWork = true;
    ctx.report.add('dropped', ctx.source, at, `${uses}: ${file.file} has no runs.main; the action is dropped`);
    return;
  }
  const job = ctx.job;
  job.hasWork = true;
  job.jsActions += 1;
  job.nodeVersion ??= runs.using.replace(/^node/, '');
  const values: Record<string, string> = {};
  for (const [name, spec] of Object.entries(manifest.inputs ?? {})) {
    const given = spec?.default;
    if (given !== undefined && given !== null) values[name] = rewriteText(textOf(given), ctx.scope);
  }
  for (const [name, value] of Object.entries(inputs)) values[name] = textOf(value);
  const actionId = step.id !== undefined ? textOf(step.id) : `__${(remote?.repository ?? dir).replace(/[^\w]+/g, '_')}`;
  const env: Record<string, string> = {
    ...translateEnv(step.env, ctx.scope),
    ...Object.fromEntries(Object.entries(values).map(([name, value]) => [inputVariable(name), value])),
    GITHUB_ACTION: actionId,
    GITHUB_ACTION_PATH: dir === '' ? workspace : dir.startsWith('/') ? dir : `${workspace}/${dir}`,
    GITHUB_STATE: `/tmp/ferry-actions/${job.jsActions}/state`,
    ...(remote ? { GITHUB_ACTION_REPOSITORY: remote.repository, GITHUB_ACTION_REF: remote.ref } : {}),
  };
  const name = step.name !== undefined ? rewriteText(textOf(step.name), ctx.scope) : uses;
  const phase = (kind: 'pre' | 'main' | 'post', script: string): Step => ({
    name: kind === 'main' ? name : `${kind === 'pre' ? 'Pre' : 'Post'} ${name}`,
    run: jsActionLauncher,
    shell: 'node {0}',
    env: { ...env, FERRY_ACTION_PHASE: kind, FERRY_ACTION_SCRIPT: script },
    workflowCommands: true,
  });

  const pre = textOf(runs.pre).trim();
  if (pre !== '' && remote === undefined) {
    ctx.report.add(
      'changed',
      file,
      ['runs', 'pre'],
      `${uses}: pre is not run for a local action (GitHub's runner does not run it either)`,
    );
  } else if (pre !== '') {
    const preStep = phase('pre', pre);
    preStep.if = rewriteCondition(runs['pre-if'] ?? 'always()', ctx.scope);
    job.pres.push(preStep);
  }

  const mainStep = phase('main', main);
  if (step.id !== undefined) mainStep.id = textOf(step.id);
  if (step.if !== undefined) mainStep.if = rewriteCondition(step.if, ctx.scope);
  const timeout = Number(step['timeout-minutes']);
  if (Number.isFinite(timeout) && timeout > 0) mainStep.timeout = `${timeout}m`;
  const continueOnError = step['continue-on-error'];
  if (continueOnError === true || continueOnError === 'true') mainStep.allowFailure = true;
  job.steps.push(mainStep);

  const post = textOf(runs.post).trim();
  if (post !== '') {
    const postStep = phase('post', post);
    postStep.if = rewriteCondition(runs['post-if'] ?? 'always()', ctx.scope);
    job.posts.push(postStep);
  }
  ctx.report.add(
    'changed',
    ctx.source,
    at,
    `${uses}: the ${runs.using} action in ${file.file} runs with node (${[pre && remote ? 'pre' : '', 'main', post ? 'post at the end of the job' : ''].filter(Boolean).join(', ')})`,
  );
}
