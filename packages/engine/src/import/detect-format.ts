import type { ImportFormat } from './import-types.js';

const gitlabKeys = new Set(['stages', 'variables', 'before_script', 'after_script', 'workflow', 'default', 'include']);
const gitlabJobKeys = new Set(['script', 'extends', 'stage', 'trigger']);

/**
 * The format of a parsed CI file by its content: GitHub Actions has `jobs:` whose entries have `runs-on`,
 * `steps` or `uses`, and usually `on:`; GitLab CI has top-level jobs with `script`/`extends`/`stage`, or its
 * global keywords. A Ferry pipeline (`jobs:` holding Ferry jobs) is neither: undefined.
 */
export function detectFormat(data: unknown): ImportFormat | undefined {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
  const top = data as Record<string, unknown>;
  const jobs = top.jobs;
  if (typeof jobs === 'object' && jobs !== null && !Array.isArray(jobs)) {
    const githubJob = Object.values(jobs).some(
      (job) => typeof job === 'object' && job !== null && ('runs-on' in job || 'uses' in job),
    );
    if (githubJob) return 'github';
    if ('on' in top && Object.values(jobs).some((job) => typeof job === 'object' && job !== null && 'steps' in job)) {
      const steps = Object.values(jobs).flatMap((job) =>
        Array.isArray((job as { steps?: unknown }).steps) ? (job as { steps: unknown[] }).steps : [],
      );
      if (steps.some((step) => typeof step === 'object' && step !== null && 'uses' in step)) return 'github';
    }
    return undefined;
  }
  if (Object.keys(top).some((key) => gitlabKeys.has(key))) return 'gitlab';
  const jobLike = Object.values(top).some(
    (value) =>
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      Object.keys(value).some((key) => gitlabJobKeys.has(key)),
  );
  return jobLike ? 'gitlab' : undefined;
}
