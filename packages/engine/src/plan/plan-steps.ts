import { parseDuration } from '../pipeline/parse-duration.js';
import type { DefaultsSpec, JobSpec, shellNames } from '../pipeline/pipeline-schema.js';
import type { PlannedStep } from './plan-types.js';
import { conditionSource } from './render-static.js';
import { resolveWorkdir } from './resolve-workdir.js';
import { stringMap } from './translate-job.js';

/** The command lines of the shells known by name, as GitHub Actions runs them; `{0}` is the script file. */
export const shellCommands: Readonly<Record<(typeof shellNames)[number], string>> = {
  sh: 'sh -e {0}',
  bash: 'bash --noprofile --norc -eo pipefail {0}',
  python: 'python {0}',
};

export const defaultShell = 'sh';

/** A `shell:` value (a known name or a command line with `{0}`) → the command line. */
export function shellCommand(shell: string): string {
  return Object.hasOwn(shellCommands, shell) ? shellCommands[shell as keyof typeof shellCommands] : shell;
}

/**
 * A job's steps with names, shells and working directories resolved (step < job `defaults` < pipeline
 * `defaults`). `render.name` (for names) and `render.text` (for run, env and workdir) fill in what is known when
 * planning; `${{ }}` that need run time stay.
 */
export function planSteps(
  job: JobSpec,
  jobWorkdir: string,
  pipelineDefaults: DefaultsSpec | undefined,
  render: { name(text: string): string; text(text: string): string },
): PlannedStep[] {
  return (job.steps ?? []).map((step, index) => {
    const shell = step.shell ?? job.defaults?.shell ?? pipelineDefaults?.shell ?? defaultShell;
    const workdir = step.workdir ?? job.defaults?.workdir ?? pipelineDefaults?.workdir;
    return {
      index,
      ...(step.id !== undefined ? { id: step.id } : {}),
      name: step.name !== undefined ? render.name(step.name) : firstLine(step.run),
      run: render.text(step.run),
      env: Object.fromEntries(Object.entries(stringMap(step.env)).map(([key, value]) => [key, render.text(value)])),
      shell: shellCommand(shell),
      ...(workdir !== undefined ? { workdir: resolveWorkdir(jobWorkdir, render.text(workdir)) } : {}),
      ...(step.timeout !== undefined ? { timeoutMs: parseDuration(step.timeout) } : {}),
      ...(step.if !== undefined
        ? { if: typeof step.if === 'boolean' ? String(step.if) : conditionSource(step.if) }
        : {}),
      allowFailure: step.allowFailure ?? false,
      ...(step.workflowCommands === true ? { workflowCommands: true as const } : {}),
    };
  });
}

function firstLine(text: string): string {
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > 60 ? `${line.slice(0, 57)}...` : line;
}
