import { formatPlanMermaid, formatPlanText } from '@ferry/engine';
import type { CliIO } from '../cli-io.js';
import { actionsDirOf, loadPlan, parseEnvPairs, parseImagePairs } from '../load-plan.js';

function withActionsDir(io: CliIO, given: string | undefined): { actionsDir?: string } {
  const actionsDir = actionsDirOf(io, given);
  return actionsDir !== undefined ? { actionsDir } : {};
}

export interface PlanOptions {
  json?: boolean;
  mermaid?: boolean;
  job?: string[];
  env: string[];
  workspace: string;
  image?: string[];
  actionsDir?: string;
  changedSince?: string;
}

/** `ferry plan`: the DAG as text, JSON or Mermaid, with the plan hash. */
export async function planCommand(io: CliIO, file: string | undefined, options: PlanOptions): Promise<number> {
  const { plan } = await loadPlan(io, file, {
    env: parseEnvPairs(options.env),
    ...(options.job ? { only: options.job } : {}),
    workspace: options.workspace,
    withoutSecrets: true,
    ...(options.image ? { images: parseImagePairs(options.image) } : {}),
    ...withActionsDir(io, options.actionsDir),
    ...(options.changedSince !== undefined ? { changedSince: options.changedSince } : {}),
  });
  if (options.json) io.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
  else if (options.mermaid) io.stdout.write(`${formatPlanMermaid(plan)}\n`);
  else io.stdout.write(`${formatPlanText(plan)}\n`);
  return 0;
}

/** `ferry validate`: parse, validate and plan without running anything. */
export async function validateCommand(
  io: CliIO,
  file: string | undefined,
  options: { workspace: string; strict?: boolean; image?: string[]; actionsDir?: string },
): Promise<number> {
  const { plan, file: shown } = await loadPlan(io, file, {
    workspace: options.workspace,
    ...(options.image ? { images: parseImagePairs(options.image) } : {}),
    ...withActionsDir(io, options.actionsDir),
    withoutSecrets: true,
    ...(options.strict ? { strict: true } : {}),
  });
  io.stdout.write(`${shown}: valid · ${plan.jobs.length} jobs · plan ${plan.hash.slice(0, 12)}\n`);
  return 0;
}
