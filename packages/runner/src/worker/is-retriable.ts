import { isFerryError } from '@ferry/engine';
import type { FerryErrorCode } from '@ferry/engine';

/** Infrastructure failures: the run did not get a fair chance, so it is retried with backoff. */
const retriableCodes: Readonly<Partial<Record<FerryErrorCode, true>>> = {
  RUNNER_CLONE_FAILED: true,
  RUNNER_COMMIT_MISSING: true,
  RUNNER_DOCKER_UNAVAILABLE: true,
};

/** Whether a run that failed with this error is retried (an infrastructure failure) rather than finished. */
export function isRetriable(error: unknown): boolean {
  return isFerryError(error) && retriableCodes[error.code] === true;
}
