import type Dockerode from 'dockerode';
import { FerryError } from '../errors.js';
import type { OutputStream } from '../exec/executor.js';
import { dockerReason, dockerStatus, isDockerUnreachable, unavailableError } from '../exec/docker/docker-errors.js';
import { BuildOutput, describeBuildFailure } from './build-output.js';
import { followProgress } from './follow-progress.js';
import type { BuildContext } from './list-build-context.js';
import { packBuildContext } from './pack-build-context.js';

export interface BuildImageRequest {
  context: BuildContext;
  /** The Dockerfile as the user knows it (`app/Dockerfile`), for messages. */
  dockerfileLabel: string;
  tags: string[];
  target?: string;
  args: Record<string, string>;
  labels: Record<string, string>;
  cacheFrom: string[];
}

export interface BuildIO {
  onLine(stream: OutputStream, line: string): void;
  signal: AbortSignal;
}

export type BuildImageResult =
  { ok: true; imageId: string; cache: { steps: number; cached: number } } | { ok: false; error: string };

/**
 * Builds with the engine's build API (the classic builder, which needs no session): uploads the packed context,
 * streams the output to io.onLine and tags the image with every tag. Intermediate containers are removed even
 * when a step fails (`forcerm`); base images are not pulled when present (`pull: false`).
 * A failing instruction or an unreadable Dockerfile is a result ({ok: false}) naming it; an unreachable engine
 * is EXEC_DOCKER_UNAVAILABLE, any other refusal IMAGE_BUILD_FAILED, an unreadable context IMAGE_CONTEXT.
 */
export async function buildImage(
  docker: Dockerode,
  request: BuildImageRequest,
  io: BuildIO,
): Promise<BuildImageResult> {
  const packed = packBuildContext(request.context);
  // A failed pack leaves the upload unfinished and the engine waiting for the rest: abort the request then.
  const upload = new AbortController();
  const abortUpload = () => upload.abort(io.signal.reason);
  if (io.signal.aborted) abortUpload();
  else io.signal.addEventListener('abort', abortUpload, { once: true });
  packed.done.catch((error: unknown) => upload.abort(error));
  const options = {
    t: request.tags,
    dockerfile: request.context.dockerfile,
    ...(request.target ? { target: request.target } : {}),
    buildargs: request.args,
    labels: request.labels,
    ...(request.cacheFrom.length > 0 ? { cachefrom: request.cacheFrom } : {}),
    rm: true,
    forcerm: true,
    pull: false,
    abortSignal: upload.signal,
  };
  const output = new BuildOutput((stream, line) => io.onLine(stream, line));
  try {
    // `t` and `cachefrom` go as repeated / JSON query parameters; the typings only know single strings.
    const stream = await docker.buildImage(packed.stream, options as unknown as Dockerode.ImageBuildOptions);
    await followProgress(stream, (message) => output.handle(message), upload.signal);
    output.end();
  } catch (error) {
    io.signal.removeEventListener('abort', abortUpload);
    // A context that could not be packed explains the failed upload better than the engine does.
    const packFailure = packed.failure;
    packed.cancel();
    if (packFailure) throw packFailure;
    if (io.signal.aborted) return { ok: false, error: `docker build of ${request.dockerfileLabel} was stopped` };
    if (isDockerUnreachable(error)) throw unavailableError(docker, error);
    // 400: the engine read the Dockerfile and refused it (a parse error, an unknown target stage).
    if (dockerStatus(error) === 400)
      return { ok: false, error: `docker build of ${request.dockerfileLabel} failed: ${reasonOf(error)}` };
    throw new FerryError(
      'IMAGE_BUILD_FAILED',
      `docker build of ${request.dockerfileLabel} failed: ${reasonOf(error)}`,
      { cause: error },
    );
  }
  io.signal.removeEventListener('abort', abortUpload);
  await packed.done;
  const failure = output.failure;
  if (failure) return { ok: false, error: describeBuildFailure(failure, request.dockerfileLabel) };
  const imageId = output.imageId ?? (await inspectId(docker, request.tags[0]));
  if (!imageId)
    throw new FerryError(
      'IMAGE_BUILD_FAILED',
      `docker build of ${request.dockerfileLabel} ended without naming the image it built`,
    );
  return { ok: true, imageId, cache: output.cache };
}

/** The engine's words without docker-modem's `(HTTP code 400) unexpected - ` in front (the build API answers in plain text). */
function reasonOf(error: unknown): string {
  return dockerReason(error).replace(/^\(HTTP code \d+\) [^-]*- /, '');
}

async function inspectId(docker: Dockerode, tag: string | undefined): Promise<string | undefined> {
  if (!tag) return undefined;
  try {
    return (await docker.getImage(tag).inspect()).Id;
  } catch {
    return undefined;
  }
}
