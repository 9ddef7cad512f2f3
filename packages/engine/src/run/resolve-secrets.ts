import { parse } from 'dotenv';
import type { Plan } from '../plan/plan-types.js';

export interface SecretSources {
  /** The process environment (the CLI's, or the runner's). */
  env: Record<string, string | undefined>;
  /** Contents of a dotenv-format secrets file; its values win over the environment. */
  file?: string;
  /** Pull-request runs get no secrets: every declared one resolves to an empty string. */
  withhold?: boolean;
}

export interface ResolvedSecrets {
  values: Record<string, string>;
  /** Declared but set nowhere, each with the jobs that declare it. */
  missing: { name: string; jobs: string[] }[];
}

/** Resolves every secret a plan's jobs declare; a run must not start while any is missing. */
export function resolveSecrets(plan: Plan, sources: SecretSources): ResolvedSecrets {
  const fromFile = sources.file !== undefined ? parse(sources.file) : {};
  const wanted = new Map<string, string[]>();
  for (const job of plan.jobs) for (const name of job.secrets) wanted.set(name, [...(wanted.get(name) ?? []), job.id]);
  const values: Record<string, string> = {};
  const missing: ResolvedSecrets['missing'] = [];
  for (const [name, jobs] of wanted) {
    if (sources.withhold) {
      values[name] = '';
      continue;
    }
    const value = fromFile[name] ?? sources.env[name];
    if (value === undefined) missing.push({ name, jobs });
    else values[name] = value;
  }
  return { values, missing };
}
