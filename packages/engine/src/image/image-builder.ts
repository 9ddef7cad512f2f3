import { homedir } from 'node:os';
import path from 'node:path';
import type Dockerode from 'dockerode';
import { systemClock, type Clock } from '../clock.js';
import { FerryError } from '../errors.js';
import { dockerReason, isDockerUnreachable, unavailableError } from '../exec/docker/docker-errors.js';
import { formatBytes } from '../exec/format-bytes.js';
import type { JobRun } from '../plan/plan-types.js';
import type { JobHandler, JobHandlerContext, JobHandlerResult } from '../run/job-handler.js';
import { buildImage } from './build-image.js';
import { repositoryOf } from './image-reference.js';
import { inlineBuildContext, listBuildContext, type BuildContext } from './list-build-context.js';
import { ociLabels } from './oci-labels.js';
import { pushImage } from './push-image.js';
import { readCommitTime } from './read-commit-time.js';
import { findRegistryCredentials, readDockerConfig } from './registry-auth.js';
import { renderBuild } from './render-build.js';
import { resolveBuildPaths } from './resolve-build-paths.js';
import { resolveTags, type ResolvedTag } from './resolve-tags.js';

export interface ImageBuilderOptions {
  docker: Dockerode;
  /** Where registry credentials are looked up when the job has no FERRY_REGISTRY_* secrets; default `~/.docker/config.json` (the composition root passes `$DOCKER_CONFIG/config.json` when that is set). */
  dockerConfigPath?: string;
  /** Throttles push progress and dates images built outside a git repository. */
  clock?: Clock;
  /** At most one byte-progress line per layer this often while pushing; default 1000 ms. */
  pushProgressIntervalMs?: number;
}

/** Outputs of a build job, read by later jobs as `jobs.<id>.outputs.<name>`. */
export interface ImageOutputs {
  /** The first tag: `127.0.0.1:5000/shop/api:abc1234`. */
  image: string;
  /** What a deploy should run: `repo@sha256:…` of the pushed manifest; unpushed, a RepoDigest of the first tag's repository if the engine has one, else the image id. */
  digest: string;
  /** Every tag, comma-separated. */
  tags: string;
  /** The engine's image id, `sha256:…`. */
  imageId: string;
}

/**
 * Runs `build:` jobs: renders the build section, packs the context (honouring .dockerignore), builds and tags
 * with the engine's build API, and pushes each tag that names a registry when `push: true`. The job's one step
 * shows the build and push output. A failing instruction or a refused push is a failed result whose error
 * names it; engine failures throw FerryError (IMAGE_CONTEXT, IMAGE_BUILD_FAILED, IMAGE_PUSH_FAILED,
 * EXEC_DOCKER_UNAVAILABLE, EXPR_*). Built images are not removed: they are the job's product.
 */
export class ImageBuilder implements JobHandler {
  readonly #docker: Dockerode;
  readonly #dockerConfigPath: string;
  readonly #clock: Clock;
  readonly #pushProgressIntervalMs: number | undefined;

  constructor(options: ImageBuilderOptions) {
    this.#docker = options.docker;
    this.#dockerConfigPath = options.dockerConfigPath ?? path.join(homedir(), '.docker', 'config.json');
    this.#clock = options.clock ?? systemClock;
    this.#pushProgressIntervalMs = options.pushProgressIntervalMs;
  }

  stepName(job: JobRun): string {
    const build = job.build;
    const command = `docker build ${build?.context ?? '.'}`;
    return build?.push ? `${command} && docker push` : command;
  }

  async run(job: JobRun, ctx: JobHandlerContext): Promise<JobHandlerResult> {
    if (!job.build) throw new FerryError('IMAGE_CONTEXT', `job "${job.id}" has no build section`);
    const build = renderBuild(job.build, ctx.expr);
    const log = (line: string) => ctx.onLine('stdout', line);

    const resolved = resolveTags(build.tags);
    for (const note of resolved.notes) log(note);
    if (resolved.problems.length > 0) return failed(resolved.problems.join('\n'));
    const [first] = resolved.tags;
    if (!first) return failed(`no tag is left to build with: ${resolved.notes.join('; ')}`);
    const toPush = build.push ? resolved.tags.filter(hasRegistry) : [];
    if (build.push && toPush.length === 0) {
      return failed(
        'push is true but no tag names a registry; write tags like 127.0.0.1:5000/shop/api:${{ git.shortSha }} (docker.io/ for Docker Hub)',
      );
    }

    let context: BuildContext;
    let dockerfileLabel: string;
    if (build.dockerfileInline !== undefined) {
      context = inlineBuildContext(ctx.workspace, build.dockerfileInline);
      dockerfileLabel = 'the inline Dockerfile';
      log(`build with the inline Dockerfile (${build.dockerfileInline.split('\n')[0] ?? ''} …) and an empty context`);
    } else {
      const paths = await resolveBuildPaths(ctx.workspace, build.context, build.dockerfile);
      context = await listBuildContext({ directory: paths.contextDir, dockerfile: paths.dockerfile, omit: paths.omit });
      dockerfileLabel = paths.dockerfileLabel;
      const ignored = context.ignoreFile ? `, ${path.relative(paths.root, context.ignoreFile)} applied` : '';
      log(
        `build context ${build.context} with ${paths.dockerfileLabel}: ${context.files} files, ${formatBytes(context.bytes)}${ignored}`,
      );
    }
    const created = (await readCommitTime(ctx.workspace, ctx.git.sha)) ?? new Date(this.#clock.now());
    const labels = { ...ociLabels(ctx.git, created), ...build.labels };

    const built = await buildImage(
      this.#docker,
      {
        context,
        dockerfileLabel,
        tags: resolved.tags.map((tag) => tag.name),
        ...(build.target ? { target: build.target } : {}),
        args: build.args,
        labels,
        cacheFrom: build.cacheFrom,
      },
      { onLine: (stream, line) => ctx.onLine(stream, line), signal: ctx.signal },
    );
    if (!built.ok) return failed(built.error);
    const { steps, cached } = built.cache;
    log(
      `built ${built.imageId} (${cached} of ${steps} steps from cache), tagged ${resolved.tags.map((tag) => tag.name).join(', ')}`,
    );
    const made = { image: first.name, tags: resolved.tags.map((tag) => tag.name).join(','), imageId: built.imageId };
    let digest: string;
    if (build.push) {
      for (const tag of resolved.tags) if (!hasRegistry(tag)) log(`${tag.name} stays local: it names no registry`);
      const pushed = await this.#push(toPush, ctx);
      // Without a pushed manifest there is nothing a deploy could pin: no digest output.
      if (!pushed.ok) return { status: 'failed', outputs: made, error: pushed.error };
      digest = pushed.digest;
    } else {
      digest = await this.#localDigest(built.imageId, first);
    }
    const outputs: ImageOutputs = { ...made, digest };
    log(`image ${outputs.image}, digest ${outputs.digest}`);
    return { status: 'success', outputs: { ...outputs } };
  }

  /** Pushes the tags one after another; the digest is the first one's, as `repository@sha256:…`. */
  async #push(
    tags: Array<ResolvedTag & { reference: { registry: string } }>,
    ctx: JobHandlerContext,
  ): Promise<{ ok: true; digest: string } | { ok: false; error: string }> {
    const [first] = tags;
    if (!first) return { ok: false, error: 'nothing to push' };
    // The config file is read only when the job's secrets do not decide the credentials.
    const secretsDecide = findRegistryCredentials(first.reference.registry, { secrets: ctx.secrets }).source !== 'none';
    const config = secretsDecide ? undefined : await readDockerConfig(this.#dockerConfigPath);
    let firstDigest: string | undefined;
    for (const tag of tags) {
      const credentials = findRegistryCredentials(tag.reference.registry, {
        secrets: ctx.secrets,
        ...(config ? { dockerConfig: config } : {}),
        dockerConfigPath: this.#dockerConfigPath,
      });
      if (credentials.source === 'invalid')
        return { ok: false, error: `push of ${tag.name} failed: ${credentials.problem}` };
      if (credentials.source === 'none' && credentials.note) ctx.onLine('stderr', credentials.note);
      const from =
        credentials.source === 'secrets'
          ? 'with the credentials from the job secrets'
          : credentials.source === 'docker-config'
            ? `with the credentials from ${this.#dockerConfigPath}`
            : 'without credentials';
      ctx.onLine('stdout', `pushing ${tag.name} ${from}`);
      const result = await pushImage(
        this.#docker,
        { tag, ...(credentials.source !== 'none' ? { auth: credentials.auth } : {}), credentials: credentials.source },
        {
          onLine: (line) => ctx.onLine('stdout', line),
          signal: ctx.signal,
          now: () => this.#clock.now(),
          ...(this.#pushProgressIntervalMs !== undefined ? { progressIntervalMs: this.#pushProgressIntervalMs } : {}),
        },
      );
      if (!result.ok) return result;
      const pinned = `${repositoryOf(tag.reference)}@${result.digest}`;
      ctx.onLine('stdout', `pushed ${pinned}`);
      firstDigest ??= pinned;
    }
    return firstDigest ? { ok: true, digest: firstDigest } : { ok: false, error: 'nothing was pushed' };
  }

  /** A RepoDigest in the first tag's repository (the image was pushed there before), else the image id. */
  async #localDigest(imageId: string, first: ResolvedTag): Promise<string> {
    let repoDigests: string[] = [];
    try {
      repoDigests = (await this.#docker.getImage(imageId).inspect()).RepoDigests ?? [];
    } catch (error) {
      if (isDockerUnreachable(error)) throw unavailableError(this.#docker, error);
      throw new FerryError(
        'IMAGE_BUILD_FAILED',
        `cannot inspect the image ${imageId} just built: ${dockerReason(error)}`,
        { cause: error },
      );
    }
    const repository = repositoryOf(first.reference);
    return repoDigests.find((digest) => digest.slice(0, digest.indexOf('@')) === repository) ?? imageId;
  }
}

function hasRegistry(tag: ResolvedTag): tag is ResolvedTag & { reference: { registry: string } } {
  return tag.reference.registry !== undefined;
}

function failed(error: string): JobHandlerResult {
  return { status: 'failed', outputs: {}, error };
}
