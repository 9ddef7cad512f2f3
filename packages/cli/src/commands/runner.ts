import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { hostname } from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { ContainerPool, DockerExecutor, FerryError, isProcessAlive, parseDuration, reapResources } from '@ferry/engine';
import {
  createHealthHandler,
  GitMirrorCheckout,
  labelPattern,
  normalizeLabels,
  openRedis,
  redactUrl,
  RunnerMetrics,
  startRunner,
  waitForRedis,
} from '@ferry/runner';
import type { Runner } from '@ferry/runner';
import type { CliIO } from '../cli-io.js';
import { exitCodes } from '../exit-codes.js';
import { redisUrlOf, type QueueCli } from './queue-runs.js';
import { dockerAccessOf, hostSocketWarning } from '../docker-access-of.js';
import { actionsDirOf, parseImagePairs } from '../load-plan.js';

export interface RunnerCommandOptions {
  redis?: string;
  concurrency: string;
  jobConcurrency: string;
  labels: string;
  workdir?: string;
  name?: string;
  listen: string;
  lease: string;
  grace: string;
  retryBackoff: string;
  poll: string;
  secretsFile?: string;
  gitCredentials?: string;
  allowDocker?: boolean;
  dockerSocket?: string;
  pool: string;
  /** `--actions-dir` (else $FERRY_ACTIONS_DIR): GitHub actions the repositories do not vendor. */
  actionsDir?: string;
  image?: string[];
}

/**
 * `ferry runner`: the daemon. The composition root for a runner: builds its clients (Redis, Docker, HTTP) and
 * hands them to startRunner. SIGTERM or SIGINT drains it (no new runs; current ones finish, or are cancelled
 * after --grace), a second signal cancels at once; exit 0 once it has stopped.
 */
export async function runnerCommand(
  io: CliIO,
  getDocker: () => Docker,
  options: RunnerCommandOptions,
): Promise<number> {
  const concurrency = wholeNumber('--concurrency', options.concurrency);
  const jobConcurrency = wholeNumber('--job-concurrency', options.jobConcurrency);
  const poolSize = Number(options.pool);
  if (!Number.isInteger(poolSize) || poolSize < 0)
    throw new FerryError('CLI_USAGE', `--pool "${options.pool}": expected a whole number (0: no pool)`);
  const labels = normalizeLabels(options.labels.split(','));
  const badLabel = labels.find((label) => !labelPattern.test(label));
  if (badLabel !== undefined)
    throw new FerryError('CLI_USAGE', `--labels: "${badLabel}" is not a label (letters, digits, ".", "_", "-")`);
  const leaseMs = duration('--lease', options.lease);
  if (leaseMs < 1000) throw new FerryError('CLI_USAGE', `--lease ${options.lease}: at least 1s`);
  const graceMs = duration('--grace', options.grace);
  const retryBackoffMs = duration('--retry-backoff', options.retryBackoff);
  const pollMs = Math.max(50, duration('--poll', options.poll));
  const id = (options.name ?? `${hostname()}-${process.pid}`).replace(/[^A-Za-z0-9._-]+/g, '-');
  const workdir = path.resolve(io.cwd, options.workdir ?? path.join('.ferry', 'runner', id));
  const secretsFile = options.secretsFile !== undefined ? readSecrets(options.secretsFile) : undefined;
  const dockerAccess = dockerAccessOf(options);
  const actionsDir = actionsDirOf(io, options.actionsDir);
  const images = options.image ? parseImagePairs(options.image) : undefined;
  const url = redisUrlOf(io, options.redis);
  const log = (line: string) => io.stdout.write(`${new Date().toISOString()} ${line}\n`);

  const probe = openRedis(url, 'runner');
  probe.on('error', () => undefined);
  const connect = (): ReturnType<typeof openRedis> => {
    const connection = openRedis(url, 'runner');
    connection.on('error', () => undefined);
    return connection;
  };
  try {
    await waitForRedis(probe, url, 3000);
  } catch {
    log(`waiting for Redis at ${redactUrl(url)}…`);
    await probe.ping();
  } finally {
    probe.disconnect();
  }

  if (dockerAccess === 'host-socket') io.stderr.write(`${hostSocketWarning([])}\n`);
  else if (dockerAccess === 'sidecar') log('docker: true jobs get a Docker daemon of their own (--allow-docker)');
  if (images) {
    const pairs = Object.entries(images).map(([tool, image]) => `${tool}=${image}`);
    log(`GitHub and GitLab files: tools map to ${pairs.join(', ')} (--image)`);
  }
  // git must fail, not prompt, when a repository wants credentials it was not given.
  io.env.GIT_TERMINAL_PROMPT ??= '0';
  const docker = getDocker();
  const pool = poolSize > 0 ? new ContainerPool({ docker, size: poolSize, labels: { 'ferry.runner': id } }) : undefined;
  if (pool) log(`keeping ${poolSize} started container${poolSize === 1 ? '' : 's'} per image its jobs use (--pool)`);
  let runner: Runner | undefined;
  let server: Server | undefined;
  let httpUrl: string | undefined;
  if (options.listen !== 'off') {
    const [host, port] = splitHostPort(options.listen);
    server = createServer(createHealthHandler(() => runner));
    httpUrl = await new Promise<string>((resolve, reject) => {
      server?.once('error', (error) =>
        reject(new FerryError('CLI_LISTEN_FAILED', `--listen ${options.listen}: ${error.message}`)),
      );
      server?.listen(port, host, () => {
        const address = server?.address();
        resolve(`http://${host}:${typeof address === 'object' && address ? address.port : port}`);
      });
    });
    log(`serving ${httpUrl}/healthz and ${httpUrl}/metrics`);
  }

  try {
    runner = await startRunner(
      {
        connect,
        checkout: new GitMirrorCheckout(path.join(workdir, 'mirrors'), {
          ...(options.gitCredentials !== undefined
            ? { credentialsFile: path.resolve(io.cwd, options.gitCredentials) }
            : {}),
        }),
        createExecutor: () =>
          new DockerExecutor({ docker, labels: { 'ferry.runner': id }, dockerAccess, ...(pool ? { pool } : {}) }),
        infra: {
          ping: async () => {
            await docker.ping();
          },
          reap: async (runId) => {
            await reapResources(docker, { runId });
          },
          reapOrphans: async () => (await reapResources(docker, { orphanedOnly: true })).containers,
        },
        secrets: { env: io.env, ...(secretsFile !== undefined ? { file: secretsFile } : {}) },
        isProcessAlive,
        metrics: new RunnerMetrics({ defaultMetrics: true }),
        log,
        ...(actionsDir !== undefined ? { extraRunDeps: { actionsDir } } : {}),
      },
      {
        id,
        host: hostname(),
        pid: process.pid,
        version: '0.1.0',
        labels,
        concurrency,
        jobConcurrency,
        workdir,
        leaseMs,
        retryBackoffMs,
        pollMs,
        heartbeatMs: Math.min(5000, Math.max(500, Math.floor(leaseMs / 3))),
        retentionMs: 7 * 24 * 3600 * 1000,
        eventsMaxLen: 10_000,
        ...(httpUrl ? { httpUrl } : {}),
        ...(images ? { images } : {}),
      },
    );
  } catch (error) {
    server?.close();
    await pool?.close();
    throw error;
  }

  const started = runner;
  await new Promise<void>((resolve) => {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      signals += 1;
      if (signals === 1) {
        log(
          `${signal}: draining (no new runs; cancelling what still runs after ${Math.round(graceMs / 1000)}s; send it again to cancel now)`,
        );
        void started.stop({ graceMs }).then(resolve);
      } else {
        log(`${signal}: cancelling the current runs now`);
        started.cancelRuns();
      }
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  // After the runs: their pooled containers are being removed; close waits for that and removes the idle ones.
  await pool?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  return exitCodes.ok;
}

function wholeNumber(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new FerryError('CLI_USAGE', `${flag} "${text}": expected a whole number of at least 1`);
  return value;
}

function duration(flag: string, text: string): number {
  try {
    return parseDuration(/^\d+(\.\d+)?$/.test(text) ? Number(text) : text);
  } catch {
    throw new FerryError('CLI_USAGE', `${flag} "${text}": expected a duration like 500ms, 30s or 2m`);
  }
}

function splitHostPort(listen: string): [string, number] {
  const match = /^(.*):(\d+)$/.exec(listen);
  if (!match)
    throw new FerryError('CLI_USAGE', `--listen "${listen}": expected host:port (port 0 picks a free one), or off`);
  return [match[1] || '127.0.0.1', Number(match[2])];
}

function readSecrets(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new FerryError(
      'CLI_USAGE',
      `--secrets-file ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
    );
  }
}

/** Adds `ferry runner` to the program. */
export function registerRunnerCommand(program: Command, cli: QueueCli): void {
  program
    .command('runner')
    .description('run the runner daemon: take queued runs, clone, run them, report back')
    .option('--redis <url>', 'Redis of the queue')
    .option('-c, --concurrency <n>', 'runs at once', '1')
    .option('--job-concurrency <n>', 'jobs at once within a run', '4')
    .option('--labels <list>', 'labels this runner offers (comma-separated), e.g. docker,linux', '')
    .option('--workdir <dir>', 'where mirrors and checkouts live (default .ferry/runner/<name>)')
    .option('--name <name>', 'runner name (default <host>-<pid>)')
    .option('--listen <host:port>', '/healthz and /metrics address, or off', '127.0.0.1:9464')
    .option('--lease <duration>', 'a runner silent this long is presumed dead and its runs retried', '30s')
    .option('--grace <duration>', 'on SIGTERM, how long current runs may finish before they are cancelled', '30s')
    .option('--retry-backoff <duration>', 'first retry delay after an infrastructure failure (doubles)', '5s')
    .option('--poll <duration>', 'how often an idle runner looks for runs without being woken', '1s')
    .option('--secrets-file <path>', 'dotenv file with secret values (wins over the environment)')
    .option('--allow-docker', 'let jobs ask for docker: true (a Docker daemon of their own, in a sidecar)')
    .option('--pool <n>', 'containers kept started per image its jobs use, for jobs to start without waiting', '0')
    .option('--docker-socket <mode>', "with --allow-docker: host gives docker: true jobs the host's socket instead")
    .option(
      '--actions-dir <dir>',
      'for GitHub workflows: where actions the repository does not vendor are found (default $FERRY_ACTIONS_DIR)',
    )
    .option(
      '--git-credentials <file>',
      'git credentials for cloning (git-credential-store format: https://user:token@host per line)',
    )
    .option(
      '--image <tool=image>',
      'for GitHub or GitLab files: the image for a tool (repeatable; wins over the run request; docs/import.md)',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .action(async (options: RunnerCommandOptions) => {
      cli.setExitCode(await runnerCommand(cli.io, () => cli.getDocker(), options));
    });
}
