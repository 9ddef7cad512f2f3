import type Dockerode from 'dockerode';
import { FerryError } from '../../errors.js';
import type { PullPolicy } from '../../plan/plan-types.js';
import type { ExecIO } from '../executor.js';
import { dockerReason, dockerStatus, isDockerUnreachable } from './docker-errors.js';

/**
 * Makes `image` available per the pull policy:
 * - `if-not-present` (default): use the local image, pull only when it is missing;
 * - `never`: the image must be present;
 * - `always`: pull every time. A failed pull is an error even when a local copy exists: `always` asks for
 *   the registry's current image, and running a stale one silently would defeat it (Docker Compose and
 *   GitLab's `pull_policy: always` behave the same). The message points to `if-not-present`.
 * Failures are EXEC_IMAGE_MISSING naming the image; an unreachable engine is rethrown as is. Pull progress
 * goes to io.onLine('stdout', …), one line per layer state (not per byte).
 */
export async function ensureImage(docker: Dockerode, image: string, policy: PullPolicy, io: ExecIO): Promise<void> {
  if (policy === 'never') {
    if (await isImagePresent(docker, image)) return;
    throw new FerryError(
      'EXEC_IMAGE_MISSING',
      `image "${image}" is not present and could not be pulled: the job's pull policy is "never"; build or load it first, or allow pulling`,
    );
  }
  if (policy === 'if-not-present' && (await isImagePresent(docker, image))) return;
  try {
    await pullImage(docker, image, io);
  } catch (error) {
    if (isDockerUnreachable(error) || io.signal.aborted) throw error;
    if (policy === 'always' && (await isImagePresent(docker, image))) {
      throw new FerryError(
        'EXEC_IMAGE_MISSING',
        `image "${image}" could not be pulled (pull policy "always"): ${dockerReason(error)}; a local copy exists, set pull: if-not-present to run with it`,
        { cause: error },
      );
    }
    throw new FerryError(
      'EXEC_IMAGE_MISSING',
      `image "${image}" is not present and could not be pulled: ${dockerReason(error)}`,
      { cause: error },
    );
  }
}

export async function isImagePresent(docker: Dockerode, image: string): Promise<boolean> {
  try {
    await docker.getImage(image).inspect();
    return true;
  } catch (error) {
    if (dockerStatus(error) === 404) return false;
    throw error;
  }
}

interface PullEvent {
  status?: string;
  id?: string;
  error?: string;
  errorDetail?: { message?: string };
  progressDetail?: { current?: number };
}

async function pullImage(docker: Dockerode, image: string, io: ExecIO): Promise<void> {
  const stream = await docker.pull(image, { abortSignal: io.signal });
  await new Promise<void>((resolve, reject) => {
    let failure: Error | undefined;
    docker.modem.followProgress(
      stream,
      (error: Error | null) => (error ? reject(error) : failure ? reject(failure) : resolve()),
      (event: PullEvent) => {
        if (event.error) failure ??= new Error(event.errorDetail?.message ?? event.error);
        else if (event.status && event.progressDetail?.current === undefined) {
          io.onLine('stdout', event.id ? `${event.id}: ${event.status}` : event.status);
        }
      },
    );
  });
}
