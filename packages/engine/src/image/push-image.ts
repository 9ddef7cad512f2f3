import type Dockerode from 'dockerode';
import { FerryError } from '../errors.js';
import { dockerReason, isDockerUnreachable, unavailableError } from '../exec/docker/docker-errors.js';
import { followProgress } from './follow-progress.js';
import { repositoryOf } from './image-reference.js';
import { describePushError, PushOutput, type PushCredentialSource } from './push-output.js';
import type { RegistryAuth } from './registry-auth.js';
import type { ResolvedTag } from './resolve-tags.js';

export interface PushRequest {
  tag: ResolvedTag & { reference: { registry: string } };
  auth?: RegistryAuth;
  credentials: PushCredentialSource;
}

export interface PushIO {
  onLine(line: string): void;
  signal: AbortSignal;
  now(): number;
  /** Throttle of per-layer byte progress lines. */
  progressIntervalMs?: number;
}

/** The manifest digest, e.g. `sha256:…`, or why the push failed. */
export type PushResult = { ok: true; digest: string } | { ok: false; error: string };

/**
 * Pushes one tag with the engine's push API (`POST /images/{repository}/push?tag=`), credentials in
 * X-Registry-Auth. A registry that cannot be reached or refuses the credentials is a result ({ok: false})
 * saying which; an unreachable engine is EXEC_DOCKER_UNAVAILABLE, a refused API call IMAGE_PUSH_FAILED.
 */
export async function pushImage(docker: Dockerode, request: PushRequest, io: PushIO): Promise<PushResult> {
  const { tag } = request;
  const repository = repositoryOf(tag.reference);
  const output = new PushOutput((line) => io.onLine(line), {
    now: () => io.now(),
    ...(io.progressIntervalMs !== undefined ? { intervalMs: io.progressIntervalMs } : {}),
  });
  try {
    const stream = await docker.getImage(repository).push({
      tag: tag.reference.tag,
      ...(request.auth ? { authconfig: request.auth } : {}),
      abortSignal: io.signal,
    });
    await followProgress(stream, (message) => output.handle(message), io.signal);
  } catch (error) {
    if (io.signal.aborted) return { ok: false, error: `push of ${tag.name} was stopped` };
    if (isDockerUnreachable(error)) throw unavailableError(docker, error);
    throw new FerryError('IMAGE_PUSH_FAILED', `push of ${tag.name} failed: ${dockerReason(error)}`, { cause: error });
  }
  if (output.error !== undefined)
    return { ok: false, error: describePushError(tag.name, tag.reference.registry, output.error, request.credentials) };
  if (output.digest === undefined)
    return { ok: false, error: `push of ${tag.name} ended without the registry reporting a digest` };
  return { ok: true, digest: output.digest };
}
