import { join } from 'node:path';
import type Docker from 'dockerode';
import {
  CacheStore,
  createMasker,
  SplitMasker,
  DockerExecutor,
  EventStream,
  FerryError,
  ImageBuilder,
  parseSize,
  reapResources,
  runPlan,
  refuseDockerJobs,
  RunStore,
} from '@ferry/engine';
import type { RunEvent } from '@ferry/engine';
import type { CliIO } from '../cli-io.js';
import { exitCodes } from '../exit-codes.js';
import { actionsDirOf, loadPlan, parseEnvPairs, parseImagePairs } from '../load-plan.js';
import { createDeployHandler } from '../create-deploy-handler.js';
import { stateDirOf } from '../state-dir-of.js';
import { createPlainView } from '../output/plain-view.js';
import { createTtyView } from '../output/tty-view.js';
import { dockerAccessOf, hostSocketWarning } from '../docker-access-of.js';

export interface RunOptions {
  job?: string[];
  concurrency: string;
  env: string[];
  json?: boolean;
  workspace: string;
  secretsFile?: string;
  memory?: string;
  cpus?: string;
  pids?: string;
  allowPrivileged?: boolean;
  allowDocker?: boolean;
  dockerSocket?: string;
  cacheDir?: string;
  cacheMaxSize: string;
  stateDir?: string;
  /** `--image tool=image`, for GitHub/GitLab files translated in memory. */
  image?: string[];
  /** `--actions-dir` (else $FERRY_ACTIONS_DIR): GitHub actions the repository does not vendor. */
  actionsDir?: string;
  /** Jobs with `changes:` compare against this ref (see load-plan.ts). */
  changedSince?: string;
  /** `ferry deploy --service`: the deploy jobs roll out only these. */
  deployOnly?: string[];
}

/** `ferry run`: plan, reap what crashed runs left, run on the local engine, record, exit 0/1 (2 for bad input). */
export async function runCommand(
  io: CliIO,
  docker: Docker,
  file: string | undefined,
  options: RunOptions,
): Promise<number> {
  const concurrency = Number(options.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new FerryError('CLI_USAGE', `--concurrency "${options.concurrency}": expected a whole number of at least 1`);
  const resources = parseResources(options);
  const cacheMaxBytes = parseSize(options.cacheMaxSize);
  if (!Number.isFinite(cacheMaxBytes))
    throw new FerryError('CLI_USAGE', `--cache-max-size "${options.cacheMaxSize}": expected a size like 512m or 5g`);
  const dockerAccess = dockerAccessOf(options);
  const actionsDir = actionsDirOf(io, options.actionsDir);
  const {
    plan,
    file: shown,
    git,
    secrets,
  } = await loadPlan(io, file, {
    env: parseEnvPairs(options.env),
    ...(options.job ? { only: options.job } : {}),
    workspace: options.workspace,
    ...(options.secretsFile ? { secretsFile: options.secretsFile } : {}),
    ...(options.image ? { images: parseImagePairs(options.image) } : {}),
    ...(actionsDir !== undefined ? { actionsDir } : {}),
    ...(options.changedSince !== undefined ? { changedSince: options.changedSince } : {}),
  });
  const refused = refuseDockerJobs(plan.jobs, dockerAccess);
  if (refused) throw refused;
  const socketJobs = plan.jobs.filter((job) => job.docker).map((job) => job.id);
  if (dockerAccess === 'host-socket' && socketJobs.length > 0) io.stderr.write(`${hostSocketWarning(socketJobs)}\n`);

  await reapResources(docker, { orphanedOnly: true }).catch(() => undefined);

  const store = new RunStore(join(options.workspace, '.ferry', 'runs'));
  const runId = RunStore.newRunId(Date.now());
  const events = new EventStream(runId, Date.now);
  events.setMask(createMasker(Object.values(secrets)), new SplitMasker(Object.values(secrets)));
  const recorder = store.open({
    id: runId,
    pipeline: plan.pipeline,
    file: shown,
    planHash: plan.hash,
    status: 'running',
    trigger: 'cli',
    sha: git.sha,
    branch: git.branch,
    startedAt: Date.now(),
    pid: process.pid,
    jobs: {},
  });
  events.subscribe(recorder.record);

  let view: { onEvent: (event: RunEvent) => void; close: () => void };
  if (options.json) {
    view = { onEvent: (event) => io.stdout.write(`${JSON.stringify(event)}\n`), close: () => undefined };
  } else if (io.stdout.isTTY) {
    view = createTtyView(io.stdout);
  } else {
    view = { onEvent: createPlainView((text) => io.stdout.write(text)), close: () => undefined };
  }
  events.subscribe(view.onEvent);

  const controller = new AbortController();
  let signalled: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) return;
    signalled = signal;
    io.stderr.write(`\n${signal}: cancelling run ${runId}, removing its containers…\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const executor = new DockerExecutor({
      docker,
      defaultResources: resources,
      allowPrivileged: options.allowPrivileged ?? false,
      dockerAccess,
    });
    const result = await runPlan(plan, {
      executor,
      events,
      workspace: options.workspace,
      git,
      concurrency,
      signal: controller.signal,
      trigger: 'cli',
      secrets,
      artifactsDir: join(recorder.dir, 'artifacts'),
      ...(actionsDir !== undefined ? { actionsDir } : {}),
      cache: new CacheStore(options.cacheDir ?? join(options.workspace, '.ferry', 'cache'), cacheMaxBytes),
      handlers: {
        build: new ImageBuilder({
          docker,
          ...(io.env.DOCKER_CONFIG ? { dockerConfigPath: join(io.env.DOCKER_CONFIG, 'config.json') } : {}),
        }),
        deploy: createDeployHandler(io, docker, stateDirOf(io, options.stateDir), options.deployOnly),
      },
    });
    await reapResources(docker, { runId }).catch(() => undefined);
    if (signalled) return signalled === 'SIGINT' ? 130 : 143;
    return result.status === 'success' ? exitCodes.ok : exitCodes.failed;
  } finally {
    view.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Default limits for jobs that set none (`--memory 2g --cpus 1.5 --pids 512`). */
function parseResources(options: RunOptions): { memoryBytes?: number; cpus?: number; pids?: number } {
  const resources: { memoryBytes?: number; cpus?: number; pids?: number } = {};
  if (options.memory !== undefined) {
    const bytes = parseSize(options.memory);
    if (!Number.isFinite(bytes) || bytes <= 0)
      throw new FerryError('CLI_USAGE', `--memory "${options.memory}": expected a size like 512m or 2g`);
    resources.memoryBytes = bytes;
  }
  if (options.cpus !== undefined) {
    const cpus = Number(options.cpus);
    if (!(cpus > 0)) throw new FerryError('CLI_USAGE', `--cpus "${options.cpus}": expected a positive number like 1.5`);
    resources.cpus = cpus;
  }
  if (options.pids !== undefined) {
    const pids = Number(options.pids);
    if (!Number.isInteger(pids) || pids <= 0)
      throw new FerryError('CLI_USAGE', `--pids "${options.pids}": expected a positive whole number`);
    resources.pids = pids;
  }
  return resources;
}
