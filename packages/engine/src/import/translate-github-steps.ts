import { textOf } from './text-of.js';
import { rewriteCondition, rewriteText } from './github-expressions.js';
import { translateUses } from './github-actions.js';
import { translateEnv } from './github-env.js';

export { translateEnv };
import type { StepContext } from './job-draft.js';
import type { SourcePath } from './read-source.js';

type Step = Record<string, unknown>;

/** A run step that prints GitHub workflow commands itself (`echo "::add-mask::$TOKEN"`): the engine reads them. */
const printsWorkflowCommands = /::(add-mask|set-output|error|warning|notice|group|endgroup|debug)\b/;

/** GitHub's `shell:` as Ferry's (`bash`, `sh`, `python` and `{0}` commands mean the same in both). */
export function translateShell(shell: unknown): string | undefined {
  if (shell === undefined || shell === null) return undefined;
  const text = textOf(shell).trim();
  if (text === 'pwsh') return 'pwsh -command ". \'{0}\'"';
  if (text === 'powershell') return 'pwsh -command ". \'{0}\'"';
  return text;
}

export function minutes(value: unknown): string | undefined {
  const number = Number(value);
  return value !== undefined && Number.isFinite(number) && number > 0 ? `${number}m` : undefined;
}

/** Translates GitHub steps (a job's or a composite action's) into `ctx.job`. */
export function translateGithubSteps(steps: unknown[], path: SourcePath, ctx: StepContext): void {
  steps.forEach((raw, index) => {
    const at = [...path, index];
    if (typeof raw !== 'object' || raw === null) return;
    const step = raw as Step;
    const stepCtx: StepContext = {
      ...ctx,
      scope: { ...ctx.scope, note: (kind, message) => ctx.report.add(kind, ctx.source, at, message) },
    };
    if (step.uses !== undefined) {
      translateUses(step, at, stepCtx, translateGithubSteps);
      return;
    }
    if (step.run === undefined) return;
    ctx.job.hasWork = true;
    const scope = stepCtx.scope;
    const out: Step = {};
    if (step.name !== undefined) out.name = rewriteText(textOf(step.name), scope);
    if (step.id !== undefined) out.id = textOf(step.id);
    out.run = rewriteText(textOf(step.run), scope);
    const shell = translateShell(step.shell);
    if (shell !== undefined) out.shell = shell;
    if (step['working-directory'] !== undefined) out.workdir = rewriteText(textOf(step['working-directory']), scope);
    const env = translateEnv(step.env, scope);
    // Only for a script that reads it: the variable is one of the runner's, which the composite's steps see.
    if (ctx.actionPath !== undefined && textOf(step.run).includes('GITHUB_ACTION_PATH'))
      out.env = { GITHUB_ACTION_PATH: ctx.actionPath, ...env };
    else if (env) out.env = env;
    if (step.if !== undefined) out.if = rewriteCondition(step.if, scope);
    const timeout = minutes(step['timeout-minutes']);
    if (timeout) out.timeout = timeout;
    const continueOnError = step['continue-on-error'];
    if (continueOnError === true || continueOnError === 'true') out.allowFailure = true;
    else if (typeof continueOnError === 'string' && continueOnError.includes('${{')) {
      out.allowFailure = true;
      ctx.report.add(
        'approximated',
        ctx.source,
        [...at, 'continue-on-error'],
        `continue-on-error: ${continueOnError} is an expression; the step may always fail without failing the job`,
      );
    }
    if (textOf(out.run).trim() === '') return;
    if (printsWorkflowCommands.test(textOf(out.run))) out.workflowCommands = true;
    ctx.job.steps.push(out);
  });
}
