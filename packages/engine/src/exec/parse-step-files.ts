import { parseOutputFile } from './parse-output-file.js';

/** The files a step may write to, by the variable that names them; each also has GitHub's name (GITHUB_OUTPUT, …). */
export const stepFileVariables = {
  output: ['FERRY_OUTPUT', 'GITHUB_OUTPUT'],
  env: ['FERRY_ENV', 'GITHUB_ENV'],
  path: ['FERRY_PATH', 'GITHUB_PATH'],
} as const;

/** Variables Ferry sets for each step itself; $FERRY_ENV cannot change them. */
export const reservedStepVariables: ReadonlySet<string> = new Set([
  ...Object.values(stepFileVariables).flat(),
  'FERRY_STEP_ID',
]);

/** What a step left for the steps after it and for its job. */
export interface ParsedStepFiles {
  /** `name=value` from $FERRY_OUTPUT. */
  outputs: Record<string, string>;
  /** `NAME=value` from $FERRY_ENV: the environment of the job's later steps. */
  env: Record<string, string>;
  /** Lines of $FERRY_PATH, in the order written: directories to put before PATH for later steps. */
  path: string[];
  /** Lines for the step's log (`ferry: $FERRY_ENV line 2: …`). */
  issues: string[];
}

/** Parses the step files' texts (an absent file is undefined). Never throws. */
export function parseStepFiles(texts: { output?: string; env?: string; path?: string }): ParsedStepFiles {
  const output = parseOutputFile(texts.output ?? '');
  const env = parseOutputFile(texts.env ?? '', 'env');
  const issues = [
    ...output.issues.map((issue) => `ferry: $FERRY_OUTPUT ${issue}`),
    ...env.issues.map((issue) => `ferry: $FERRY_ENV ${issue}`),
  ];
  const allowed = Object.entries(env.values).filter(([name]) => {
    if (!reservedStepVariables.has(name)) return true;
    issues.push(`ferry: $FERRY_ENV cannot set ${name}; Ferry sets it for each step`);
    return false;
  });
  const path = (texts.path ?? '')
    .split('\n')
    .map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line))
    .filter((line) => line.trim() !== '');
  return { outputs: output.values, env: Object.fromEntries(allowed), path, issues };
}
