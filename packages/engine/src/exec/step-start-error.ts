import { FerryError } from '../errors.js';

/** Why a step could not start; both executors report it in these words (the run prefixes the step's name). */
export function stepStartError(
  reason: 'shell' | 'workdir',
  details: { image: string; shell: string; workdir: string },
): FerryError {
  return reason === 'shell'
    ? new FerryError(
        'EXEC_SHELL_MISSING',
        `the shell "${details.shell}" is not in image ${details.image} (use an image that has it, or shell: sh)`,
      )
    : new FerryError(
        'EXEC_WORKDIR_MISSING',
        `the workdir ${details.workdir} does not exist in the container (create it in an earlier step, or fix workdir:)`,
      );
}
