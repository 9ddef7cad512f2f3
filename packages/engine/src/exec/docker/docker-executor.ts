import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import path from 'node:path';
import type Dockerode from 'dockerode';
import { type Clock, systemClock } from '../../clock.js';
import { FerryError } from '../../errors.js';
import type { JobRun } from '../../plan/plan-types.js';
import type { ExecIO, ExecStep, Executor, PrepareOptions, SaveOptions, SavedFiles, StepResult } from '../executor.js';
import { formatBytes } from '../format-bytes.js';
import { listWorkspaceFiles } from '../workspace-files.js';
import { buildContainerOptions, DEFAULT_WORKDIR, jobResources, type ExecResources } from './build-container-options.js';
import { runExec } from './container-exec.js';
import { toFerryError } from './docker-errors.js';
import { ensureImage } from './ensure-image.js';
import { execStep, KILLED_EXIT_CODE } from './exec-step.js';
import { buildLabels, containerName, formatOwner, LABEL, sanitizeLabelValue } from './labels.js';
import { containerUserIds, removeContainer } from './container-files.js';
import type { JobContainer } from './job-container.js';
import { setupCommand } from './step-scripts.js';
import { packWorkspace } from './workspace-archive.js';
import { walkDirectory } from '../workspace-files.js';
import { restoreContainerFiles, saveContainerFiles } from './file-archives.js';
import { startSidecar, waitForSidecar, type StartedSidecar } from './sidecars.js';
import { removeNetwork, runNetworkName } from './networks.js';
import { wasOomKilled } from './oom.js';
import type { ContainerPool, PooledContainer } from './container-pool.js';
import { poolSlot } from './pool-slot.js';
import { refuseDockerJobs, type DockerAccess } from '../docker-access.js';
import {
  buildDockerDaemonOptions,
  DEFAULT_DOCKER_IMAGE,
  DOCKER_DAEMON_ALIAS,
  dockerDaemonSidecar,
  dockerHostEnv,
  HOST_DOCKER_SOCKET,
} from './docker-daemon.js';

export interface DockerExecutorOptions {
  docker: Dockerode;
  /** Added to every container (e.g. the runner's name); Ferry's own `ferry.*` labels win on a clash. */
  labels?: Record<string, string>;
  /** Recorded in `ferry.owner` so the reaper can tell orphans; default: this process on os.hostname(). */
  ownerPid?: number;
  ownerHost?: string;
  /** Limits for jobs that set none; each limit a job sets overrides one default. */
  defaultResources?: ExecResources;
  /** Whether jobs may ask for `privileged: true`; otherwise such a job fails to prepare with EXEC_CONTAINER. */
  allowPrivileged?: boolean;
  /** What `docker: true` gives a job (default `off`: such a job fails to prepare with EXEC_DOCKER_NOT_ALLOWED). */
  dockerAccess?: DockerAccess;
  /** The image of the daemon sidecar (default ferry/docker:20); it must have `dockerd-entrypoint`. */
  dockerImage?: string;
  /**
   * Pre-started containers (owned by the process, shared by its executors): a job whose container a generic one
   * can be (see poolSlot) takes one when one is ready, and it is removed in the background after the job.
   */
  pool?: ContainerPool;
  clock?: Clock;
}

/**
 * Runs each JobRun in one long-lived container of its image and each step as a `docker exec` of `sh -e -c`.
 *
 * - prepare: pull per policy, create and start the container (labels, no-new-privileges, limits, no binds),
 *   copy the workspace in, and the checkout's `.git` when given (never a bind mount; awaited only then). A `docker: true` job also
 *   gets, per `dockerAccess`, a daemon sidecar or the host's socket. A prepare that fails removes its container
 *   before it throws; teardown after it is
 *   still safe. An aborted prepare rejects with io.signal.reason.
 * - runStep: streams lines, returns the exit code and $FERRY_OUTPUT; on abort kills every process of the step
 *   and resolves with aborted: true. Steps of one job run one at a time. Background processes a step leaves
 *   keep running until teardown (as in GitHub Actions); one that still holds the step's stdout makes Docker
 *   wait ~2 s before it reports the step finished.
 * - teardown: force-removes the container with its anonymous volumes; idempotent, safe at any point. A pooled
 *   container is handed to the pool for removal, which its own close awaits, and teardown does not wait for it.
 *
 * State is kept per JobRun id: JobRun ids must be unique among the jobs one instance has prepared at a time
 * (one run per instance, or runs whose JobRun ids do not clash).
 */
export class DockerExecutor implements Executor {
  readonly #docker: Dockerode;
  readonly #options: DockerExecutorOptions;
  readonly #clock: Clock;
  readonly #jobs = new Map<string, JobContainer>();
  /** runId → the run's network (its name once created); a prepare waits for it only just before creating its container. */
  readonly #runNetworks = new Map<string, Promise<string>>();
  /** runId → removals of its pooled containers, which its network's removal waits for. */
  readonly #pooledRemovals = new Map<string, Promise<void>[]>();
  /** Per open run, the call that tells the pool the run is over (its background work waits meanwhile). */
  readonly #poolHolds = new Map<string, () => void>();

  constructor(options: DockerExecutorOptions) {
    this.#docker = options.docker;
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
  }

  async prepare(job: JobRun, options: PrepareOptions, io: ExecIO): Promise<void> {
    const existing = this.#jobs.get(job.id);
    if (existing && (existing.ready || existing.preparing) && !existing.closed) {
      throw new FerryError(
        'EXEC_CONTAINER',
        `job "${job.id}" is already prepared on this executor (run ${existing.runId}); tear it down before preparing it again`,
      );
    }
    if (existing) await this.#remove(existing);

    const state: JobContainer = {
      runId: options.runId,
      // Unique per attempt: a retried run never meets the container of an earlier attempt that a reaper may be removing.
      name: `${containerName(options.runId, job.id)}-${randomBytes(2).toString('hex')}`,
      createAttempted: false,
      ready: false,
      preparing: true,
      closed: false,
      sidecars: [],
      workdir: job.workdir || DEFAULT_WORKDIR,
    };
    this.#jobs.set(job.id, state);
    try {
      await this.#createContainer(job, options, io, state);
      state.ready = true;
    } catch (error) {
      try {
        await this.#remove(state);
        if (this.#jobs.get(job.id) === state) this.#jobs.delete(job.id);
      } catch {
        // Docker went away: the state stays, so teardown can try again.
      }
      if (io.signal.aborted) throw io.signal.reason;
      throw toFerryError(this.#docker, error, `cannot start the container for job "${job.id}" (image "${job.image}")`);
    } finally {
      state.preparing = false;
    }
  }

  async runStep(job: JobRun, step: ExecStep, io: ExecIO): Promise<StepResult> {
    const state = this.#jobs.get(job.id);
    if (!state?.ready || state.closed || state.id === undefined) {
      throw new FerryError(
        'EXEC_CONTAINER',
        `job "${job.id}" has no running container; prepare it before running step "${step.name}"`,
      );
    }

    const container = this.#docker.getContainer(state.id);
    const result = await execStep(
      { docker: this.#docker, container, jobId: job.id, image: job.image, clock: this.#clock },
      state.env ? { ...step, env: { ...state.env, ...step.env } } : step,
      io,
    );
    if (result.exitCode === KILLED_EXIT_CODE && !result.aborted && (await wasOomKilled(container)))
      return { ...result, oomKilled: true };
    return result;
  }

  async openRun(runId: string): Promise<void> {
    if (this.#options.pool && !this.#poolHolds.has(runId)) this.#poolHolds.set(runId, this.#options.pool.runOpened());
    let opening = this.#runNetworks.get(runId);
    const pooled = opening ? undefined : this.#options.pool?.takeNetwork();
    if (pooled !== undefined) {
      opening = Promise.resolve(pooled);
      this.#runNetworks.set(runId, opening);
    }
    if (!opening) {
      // Unique per attempt: a retried run must not share a network with the attempt of a runner that died,
      // which a reaper may remove at any moment.
      const name = runNetworkName(runId, randomBytes(3).toString('hex'));
      opening = this.#docker
        .createNetwork({ Name: name, Driver: 'bridge', CheckDuplicate: true, Labels: this.#resourceLabels(runId) })
        .then(
          () => name,
          (error: unknown) => {
            throw toFerryError(this.#docker, error, `cannot create the network of run ${runId}`);
          },
        );
      // Awaited below and by every prepare of the run; a failure is reported there, never as unhandled.
      opening.catch(() => undefined);
      this.#runNetworks.set(runId, opening);
    }
    await opening;
  }

  async closeRun(runId: string): Promise<void> {
    // The run's steps are over: the pool's background work may go on.
    this.#poolHolds.get(runId)?.();
    this.#poolHolds.delete(runId);
    const opening = this.#runNetworks.get(runId);
    if (opening === undefined) return;
    const name = await opening.catch(() => undefined);
    // With a pool, in its background too, after the run's pooled containers are gone.
    if (name !== undefined && this.#options.pool)
      this.#options.pool.discardNetwork(name, this.#pooledRemovals.get(runId) ?? []);
    else if (name !== undefined) await removeNetwork(this.#docker, name);
    this.#runNetworks.delete(runId);
    this.#pooledRemovals.delete(runId);
  }

  async saveFiles(job: JobRun, patterns: string[], archive: string, options?: SaveOptions): Promise<SavedFiles> {
    const state = this.#readyState(job, 'save files');
    return saveContainerFiles(this.#docker.getContainer(state.id as string), state.workdir, patterns, archive, options);
  }

  async restoreFiles(job: JobRun, archive: string, into?: string): Promise<void> {
    const state = this.#readyState(job, 'restore files');
    await restoreContainerFiles(this.#docker.getContainer(state.id as string), state.workdir, archive, into);
  }

  async copyDirectory(job: JobRun, source: string, target: string): Promise<void> {
    const state = this.#readyState(job, 'copy files');
    const paths = await walkDirectory(source).catch((error: unknown) => {
      throw new FerryError('EXEC_WORKSPACE', `cannot read ${source}: ${(error as Error).message}`, { cause: error });
    });
    const archive = packWorkspace(source, paths, { directory: path.posix.normalize(target).replace(/^\/+|\/+$/g, '') });
    try {
      await this.#docker.getContainer(state.id as string).putArchive(archive.stream, { path: '/' });
    } catch (error) {
      archive.cancel();
      throw toFerryError(this.#docker, error, `cannot copy ${source} into the container of job "${job.id}"`);
    }
    await archive.done;
  }

  #readyState(job: JobRun, what: string): JobContainer {
    const state = this.#jobs.get(job.id);
    if (!state?.ready || state.closed || state.id === undefined) {
      throw new FerryError('EXEC_CONTAINER', `job "${job.id}" has no running container to ${what} in`);
    }
    return state;
  }

  #resourceLabels(runId: string): Record<string, string> {
    return {
      ...this.#options.labels,
      [LABEL.run]: sanitizeLabelValue(runId),
      [LABEL.owner]: formatOwner(this.#options.ownerHost ?? hostname(), this.#options.ownerPid ?? process.pid),
      [LABEL.created]: String(this.#clock.now()),
    };
  }

  async teardown(job: JobRun): Promise<void> {
    const state = this.#jobs.get(job.id);
    if (!state) return;
    await this.#remove(state);
    if (this.#jobs.get(job.id) === state) this.#jobs.delete(job.id);
  }

  async #createContainer(job: JobRun, options: PrepareOptions, io: ExecIO, state: JobContainer): Promise<void> {
    const proceed = () => {
      if (io.signal.aborted) throw io.signal.reason;
      if (state.closed)
        throw new FerryError('EXEC_CONTAINER', `job "${job.id}" was torn down while it was being prepared`);
    };
    proceed();
    const workdir = job.workdir || DEFAULT_WORKDIR;
    const dockerAccess = this.#options.dockerAccess ?? 'off';
    if (job.docker) {
      const refused = refuseDockerJobs([job], dockerAccess);
      if (refused) throw refused;
    }
    // The run's network may still be in the making (openRun is not awaited before jobs start): list the
    // workspace meanwhile.
    const [runNetwork, workspace] = await Promise.all([
      this.#runNetworks.get(options.runId),
      options.workspace !== undefined ? listWorkspaceFiles(options.workspace) : undefined,
    ]);
    proceed();
    const daemon = job.docker && dockerAccess === 'sidecar';
    const sidecarSpecs = [
      ...(daemon
        ? [[DOCKER_DAEMON_ALIAS, dockerDaemonSidecar(this.#options.dockerImage ?? DEFAULT_DOCKER_IMAGE)] as const]
        : []),
      ...Object.entries(job.services),
    ];
    if (sidecarSpecs.length > 0) {
      // Sidecar names resolve only on the job's own network, so two jobs can each have their own "db".
      state.network = `${state.name}-${randomBytes(3).toString('hex')}`;
      await this.#docker.createNetwork({
        Name: state.network,
        Driver: 'bridge',
        CheckDuplicate: true,
        Labels: this.#resourceLabels(options.runId),
      });
    }
    const createOptions = buildContainerOptions(job, {
      network: state.network ?? runNetwork,
      name: state.name,
      env: job.docker && dockerAccess !== 'off' ? { ...dockerHostEnv(dockerAccess), ...options.env } : options.env,
      ...(job.docker && dockerAccess === 'host-socket' ? { dockerSocket: HOST_DOCKER_SOCKET } : {}),
      labels: buildLabels({
        runId: options.runId,
        jobId: job.jobId,
        jobRunId: job.id,
        owner: { hostname: this.#options.ownerHost ?? hostname(), pid: this.#options.ownerPid ?? process.pid },
        createdMs: this.#clock.now(),
        extra: this.#options.labels,
      }),
      defaultResources: this.#options.defaultResources,
      allowPrivileged: this.#options.allowPrivileged,
    });
    const slot = this.#options.pool ? poolSlot(job, this.#options.defaultResources) : undefined;
    const pooled = slot ? await this.#options.pool?.take(slot) : undefined;
    if (pooled) {
      state.pooled = true;
      state.env = options.env;
      state.createAttempted = true;
      state.id = pooled.id;
    } else await ensureImage(this.#docker, job.image, job.pull ?? 'if-not-present', io);
    proceed();
    const sidecars: StartedSidecar[] = [];
    for (const [alias, spec] of sidecarSpecs) {
      const labels = buildLabels({
        runId: options.runId,
        jobId: job.jobId,
        jobRunId: job.id,
        owner: { hostname: this.#options.ownerHost ?? hostname(), pid: this.#options.ownerPid ?? process.pid },
        createdMs: this.#clock.now(),
        extra: { ...this.#options.labels, 'ferry.sidecar': alias },
      });
      const input = { name: `${state.name}-${alias}`.slice(0, 120), network: state.network as string, labels };
      const isDaemon = daemon && sidecars.length === 0;
      const resources = jobResources(job, this.#options.defaultResources);
      const build: typeof buildDockerDaemonOptions | undefined = isDaemon
        ? (spec, options) => buildDockerDaemonOptions(spec, options, resources)
        : undefined;
      sidecars.push(await startSidecar(this.#docker, alias, spec, input, io, (id) => state.sidecars.push(id), build));
      io.onLine(
        'stdout',
        isDaemon
          ? `service ${alias} (${spec.image}): this job's own Docker daemon, DOCKER_HOST=${dockerHostEnv('sidecar').DOCKER_HOST}`
          : `service ${alias} (${spec.image}) started`,
      );
      proceed();
    }

    if (job.docker && dockerAccess === 'host-socket')
      io.onLine(
        'stderr',
        `WARNING: this job has the host's Docker socket (${HOST_DOCKER_SOCKET}): it controls the host's Docker engine, and what it starts there is not removed by Ferry`,
      );
    let container: Dockerode.Container;
    // A pooled container joins its network while the workspace is copied in; both are done before any step.
    let attaching: Promise<void> | undefined;
    if (pooled) {
      attaching = this.#attachPooled(pooled, state.network ?? runNetwork, state.name);
      state.attaching = attaching.catch(() => undefined);
      container = this.#docker.getContainer(pooled.id);
    } else {
      state.createAttempted = true;
      container = await this.#docker.createContainer(createOptions);
      state.id = container.id;
      proceed();
      await container.start();
    }
    proceed();

    // The job's user, else the image's (USER in its Dockerfile), owns the workspace.
    const user = job.user || (pooled ? pooled.user : (await container.inspect()).Config.User);
    const owner = user ? await containerUserIds(container, user) : undefined;
    // Extracted in the workdir's parent, so that the workdir's own entry gives it to the job's user.
    const target = path.posix.normalize(workdir).replace(/(.)\/+$/, '$1');
    const directory = target === '/' ? undefined : path.posix.basename(target);
    const gitDir = await options.gitDir;
    const gitFiles = (await options.gitFiles) ?? [];
    proceed();
    const archive = packWorkspace(options.workspace, workspace?.paths ?? [], {
      owner,
      directory,
      ...(gitDir !== undefined ? { gitDir } : {}),
      ...(gitDir !== undefined && gitFiles.length > 0 ? { gitFiles } : {}),
    });
    try {
      await container.putArchive(archive.stream, { path: path.posix.dirname(target), abortSignal: io.signal });
    } catch (error) {
      archive.cancel();
      if (error instanceof FerryError || io.signal.aborted) throw error;
      throw toFerryError(this.#docker, error, `cannot copy the workspace into the container of job "${job.id}"`);
    }
    const copied = await archive.done;
    await attaching;
    proceed();
    if (state.network && runNetwork)
      await this.#docker
        .getNetwork(runNetwork)
        .connect({ Container: container.id, ...(pooled ? { EndpointConfig: { Aliases: [state.name] } } : {}) });

    // A root job's first step makes the step-files directory itself; another user may not be able to.
    const setup = isRoot(user) ? undefined : await runExec(container, { Cmd: setupCommand(), User: '0' });
    if (setup && setup.exitCode !== 0) {
      throw new FerryError(
        'EXEC_WORKSPACE',
        `cannot set up ${workdir} in the container of job "${job.id}" (exit ${setup.exitCode ?? '?'}): ${setup.stderr.trim() || setup.stdout.trim()}`,
      );
    }
    io.onLine(
      'stdout',
      options.workspace === undefined
        ? `checkout: false: ${workdir} is empty`
        : `copied ${copied.files} files (${formatBytes(copied.bytes)}) from ${options.workspace}${gitDir !== undefined ? ` with .git${gitFiles.length ? ` and ${gitFiles.length} submodule${gitFiles.length === 1 ? '' : 's'}` : ''}` : ''} to ${workdir}`,
    );
    for (const sidecar of sidecars) {
      const started = this.#clock.now();
      await waitForSidecar(this.#docker, sidecar, this.#clock, io.signal);
      io.onLine('stdout', `service ${sidecar.alias} is ready (${this.#clock.now() - started} ms)`);
    }
  }

  /**
   * Joins a pooled container to the job's network under the name an unpooled one would have had (the alias). It
   * stays on the pool's network too, where no container can reach another.
   */
  async #attachPooled(pooled: PooledContainer, network: string | undefined, alias: string): Promise<void> {
    if (network !== undefined)
      await this.#docker.getNetwork(network).connect({ Container: pooled.id, EndpointConfig: { Aliases: [alias] } });
  }

  /** Force-removes the container (by id, or by name when create's answer never arrived); concurrent calls share one removal. */
  #remove(state: JobContainer): Promise<void> {
    state.closed = true;
    if (!state.createAttempted && state.sidecars.length === 0 && !state.network) return Promise.resolve();
    if (state.removing) return state.removing;
    const removing = (async () => {
      try {
        const own = state.createAttempted ? [state.id ?? state.name] : [];
        // Not while it is being connected: the engine can lose count of the network's endpoints.
        await state.attaching;
        const discarded = state.pooled && state.id !== undefined ? this.#options.pool?.discard(state.id) : undefined;
        if (discarded)
          this.#pooledRemovals.set(state.runId, [...(this.#pooledRemovals.get(state.runId) ?? []), discarded]);
        const containers = [...(state.pooled ? [] : own), ...state.sidecars];
        await Promise.all(containers.map((id) => removeContainer(this.#docker, id)));
        state.sidecars = [];
        if (state.network && discarded) this.#options.pool?.discardNetwork(state.network, [discarded]);
        else if (state.network) await removeNetwork(this.#docker, state.network);
        state.network = undefined;
      } finally {
        state.removing = undefined;
      }
    })();
    state.removing = removing;
    return removing;
  }
}

/** No user (the image's default, root), or uid 0 by name or number, with any group. */
function isRoot(user: string | undefined): boolean {
  return !user || /^(root|0)(:|$)/.test(user);
}
