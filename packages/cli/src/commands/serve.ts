import Docker from 'dockerode';
import {
  deployedServices,
  describeService,
  DockerProvider,
  FerryError,
  isFerryError,
  ProxyClient,
  readProxyInfo,
  readToken,
  requestCanaryAction,
  rollBackService,
  systemClock,
} from '@ferry/engine';
import type { Command } from 'commander';
import path from 'node:path';
import {
  apiScopes,
  generateToken,
  hashToken,
  openRedis,
  redactUrl,
  RunQueue,
  tokenNamePattern,
  waitForRedis,
} from '@ferry/runner';
import type { ApiScope } from '@ferry/runner';
import type { RedisClient as Redis } from '@ferry/runner';
import {
  createServeApp,
  GitPipelineSource,
  loadServeConfig,
  openServeRedis,
  resolveServeConfig,
  ServeMetrics,
  StatusReporter,
} from '@ferry/runner/serve';
import type { DeployApi, ResolvedServeConfig, ServeOptions } from '@ferry/runner/serve';
import { connectProxy } from '../connect-proxy.js';
import type { CliIO } from '../cli-io.js';
import { exitCodes } from '../exit-codes.js';
import type { QueueCli } from './queue-runs.js';

export interface ServeCommandOptions extends ServeOptions {
  config?: string;
}

/**
 * `ferry serve`: the webhook front door and the runs API. The composition root of the server: reads the config
 * file, flags and environment, opens Redis, builds the app and listens; SIGTERM or SIGINT stops taking requests,
 * lets those in flight finish and exits 0. Secrets and tokens are never printed.
 */
export async function serveCommand(io: CliIO, options: ServeCommandOptions): Promise<number> {
  const log = (line: string) => io.stdout.write(`${new Date().toISOString()} ${line}\n`);
  let config: ResolvedServeConfig;
  try {
    const loaded =
      options.config !== undefined ? await loadServeConfig(path.resolve(io.cwd, options.config), io.env) : undefined;
    config = resolveServeConfig(options, loaded, io.env);
  } catch (error) {
    if (isFerryError(error) && error.message.startsWith('--'))
      throw new FerryError('SERVE_CONFIG_INVALID', error.message);
    throw error;
  }
  const secured = Object.keys(config.settings.defaultSecrets);

  const redis: Redis = openServeRedis(config.redisUrl);
  redis.on('error', () => undefined);
  try {
    await waitForRedis(redis, config.redisUrl);
  } catch (error) {
    redis.disconnect();
    throw error;
  }
  let redisUp = true;
  redis.on('error', (error: Error) => {
    if (redisUp) log(`redis: connection lost (${error.message}); deliveries are answered 503 until it is back`);
    redisUp = false;
  });
  redis.on('ready', () => {
    if (!redisUp) log('redis: connected again');
    redisUp = true;
  });
  if (config.api.publicReads && !isLoopback(config.host)) {
    io.stderr.write(
      `warning: PUBLIC READS on ${config.host}, which is not a loopback address: anyone who reaches this port can list every run and read every log\n`,
    );
  }
  if (secured.length === 0 && config.settings.repositories.every((repository) => repository.secret === undefined)) {
    io.stderr.write(
      'warning: no webhook secret is configured (--github-secret, $FERRY_GITHUB_SECRET, a config file…): every delivery will be refused with 401\n',
    );
  }

  // git must fail, not prompt, when a repository wants credentials it was not given. (Set on the process's
  // environment, which git inherits: simple-git refuses an explicit environment holding EDITOR and the like.)
  io.env.GIT_TERMINAL_PROMPT ??= '0';
  const metrics = new ServeMetrics({ defaultMetrics: true });
  const queue = new RunQueue(redis);
  const workdir = path.resolve(io.cwd, config.workdir);
  const pipelines = new GitPipelineSource(path.join(workdir, 'mirrors'), {
    timeoutMs: config.gitTimeoutMs,
    onCacheLookup: (hit) => metrics.pipelineCache.inc({ result: hit ? 'hit' : 'miss' }),
  });
  const statusesOn =
    Object.keys(config.statuses.forges).length > 0 || config.statuses.repositories.some((r) => r.status !== false);
  const statuses = statusesOn
    ? new StatusReporter({
        redis,
        connection: () => openRedis(config.redisUrl, 'runner'),
        settings: config.statuses,
        log,
      })
    : undefined;
  const deploys = config.deploysStateDir
    ? serveDeploys(io, path.resolve(io.cwd, config.deploysStateDir), log)
    : undefined;
  const app = await createServeApp(
    {
      redis,
      queue,
      ...(deploys ? { deploys } : {}),
      ...(statuses ? { statuses } : {}),
      blocking: () => {
        const connection = redis.duplicate();
        connection.on('error', () => undefined);
        return connection;
      },
      pipelines,
      metrics,
      log,
    },
    { settings: config.settings, bodyLimit: config.bodyLimit, api: config.api, streams: config.streams },
  );

  // Signals are taken from here on, before the server says it listens: a SIGTERM right after start still
  // closes it cleanly instead of killing the process.
  let onSignal: (signal: NodeJS.Signals) => void = () => undefined;
  const stopped = new Promise<void>((resolve) => {
    onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      log(`${signal}: closing (requests in flight finish; event streams end)`);
      resolve();
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  let address: string;
  try {
    address = await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    await queue.close().catch(() => undefined);
    redis.disconnect();
    throw new FerryError(
      'CLI_LISTEN_FAILED',
      `cannot listen on ${config.host}:${config.port}: ${(error as Error).message}`,
    );
  }
  // Status links go to the web page where Ferry is reached; the config's statuses.url wins.
  config.statuses.publicUrl ??= address;
  statuses?.start();
  const repositories = config.settings.repositories.length;
  log(
    `serving ${address}: POST /hooks/github, /hooks/gitlab, /hooks/gitea, /hooks/generic; /api/runs; /healthz; /metrics`,
  );
  log(
    `queue ${redactUrl(config.redisUrl)}; ${repositories} configured repositor${repositories === 1 ? 'y' : 'ies'}; default secrets: ${secured.length > 0 ? secured.join(', ') : 'none'}; ` +
      `API tokens: ${config.api.tokens.length > 0 ? config.api.tokens.map((token) => `${token.name} [${[...token.scopes].join(',')}]`).join(', ') : 'none (every call refused)'}; ` +
      `reads ${config.api.publicReads ? 'public' : 'need a token'}; commit statuses ${statusesOn ? `to ${[...Object.keys(config.statuses.forges), ...config.statuses.repositories.filter((r) => r.status !== false).map((r) => r.name)].join(', ')}` : 'off'}; body limit ${config.bodyLimit} bytes; labels [${config.settings.labels.join(', ')}]`,
  );

  await stopped;
  await app.close();
  await statuses?.close().catch(() => undefined);
  pipelines.close();
  await queue.close().catch(() => undefined);
  await redis.quit().catch(() => redis.disconnect());
  log('stopped');
  return exitCodes.ok;
}

/** 127.0.0.1, ::1, localhost: an address only this machine reaches. */
function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export interface HashTokenOptions {
  name: string;
  scopes: string;
}

/**
 * `ferry serve hash-token`: hashes a token read from standard input (a pipe), or makes a new one when standard
 * input is a terminal or empty, and prints the config entry. The token goes to stderr only when it was made here.
 */
export async function hashTokenCommand(io: CliIO, options: HashTokenOptions): Promise<number> {
  const scopes = options.scopes
    .split(',')
    .map((scope) => scope.trim())
    .filter(Boolean);
  const unknown = scopes.find((scope) => !(apiScopes as readonly string[]).includes(scope));
  if (unknown !== undefined || scopes.length === 0)
    throw new FerryError(
      'SERVE_CONFIG_INVALID',
      `--scopes "${options.scopes}": expected a comma-separated list of ${apiScopes.join(', ')}`,
    );
  if (!tokenNamePattern.test(options.name))
    throw new FerryError('SERVE_CONFIG_INVALID', `--name "${options.name}": expected letters, digits, ".", "_", "-"`);
  let token = '';
  const stdin = io.stdin;
  if (stdin !== undefined && !stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(Buffer.from(chunk as Buffer));
    token = Buffer.concat(chunks)
      .toString('utf8')
      .replace(/\r?\n$/, '');
    if (/\s/.test(token))
      throw new FerryError(
        'SERVE_CONFIG_INVALID',
        'standard input: expected one token on one line (no spaces); give none to have one made',
      );
  }
  if (token === '') {
    token = generateToken();
    io.stderr.write(`token (give it to the client; it is shown once and stored nowhere):\n${token}\n`);
  }
  io.stdout.write(
    `# under api.tokens in the ferry serve config file\n- name: ${options.name}\n  hash: ${hashToken(token)}\n  scopes: [${(scopes as ApiScope[]).join(', ')}]\n`,
  );
  return exitCodes.ok;
}

/**
 * The deploys of this host as the API offers them: the state dir's services, the Docker engine's replicas, and
 * the proxy of the state dir (read when it runs; started, as `ferry rollback` does, when a rollback needs it).
 */
function serveDeploys(io: CliIO, stateDir: string, log: (line: string) => void): DeployApi {
  const provider = new DockerProvider(new Docker());
  const proxyDir = path.join(stateDir, 'proxy');
  const proxyService = async (name: string) => {
    const info = readProxyInfo(proxyDir);
    const token = readToken(proxyDir);
    if (!info || !token) throw new Error(`no proxy runs for ${stateDir}`);
    return new ProxyClient({ url: info.adminUrl, token }).getService(name);
  };
  return {
    stateDir,
    services: () => deployedServices(stateDir),
    describe: (name) => describeService(name, { stateDir, provider, proxyService }),
    rollback: (name, to) =>
      rollBackService(
        name,
        { stateDir, provider, router: () => connectProxy(io, stateDir), clock: systemClock, log },
        { ...(to !== undefined ? { to } : {}), deployId: `api-rollback-${Date.now().toString(36)}` },
      ),
    canary: (name, action) => {
      const journal = requestCanaryAction(name, action, stateDir);
      return {
        ...(journal.target !== undefined ? { target: journal.target } : {}),
        ...(journal.canary ? { step: journal.canary.step } : {}),
      };
    },
  };
}

/** Adds `ferry serve` to the program. */
export function registerServeCommand(program: Command, cli: QueueCli): void {
  const serve = program.command('serve');
  serve
    .command('hash-token')
    .description(
      'print the api.tokens entry of a token: reads it from standard input, or makes a new one (printed once to stderr)',
    )
    .option('--name <name>', 'the name logs show for the token', 'token')
    .option('--scopes <list>', `what it may do: ${apiScopes.join(', ')} (comma-separated)`, 'read')
    .action(async (options: HashTokenOptions) => {
      cli.setExitCode(await hashTokenCommand(cli.io, options));
    });
  serve
    .description(
      'serve forge webhooks (GitHub, GitLab, Gitea) and the runs API: verified pushes and pull requests become queued runs',
    )
    .option('--port <port>', 'port to listen on (0 picks a free one; default 8080)')
    .option('--host <host>', 'address to listen on (default 127.0.0.1)')
    .option('--redis <url>', 'Redis of the queue (default: $FERRY_REDIS_URL, then redis://127.0.0.1:6379)')
    .option('--config <file>', 'YAML file: repositories and their secrets, clone URLs, labels (see docs/webhooks.md)')
    .option('--workdir <dir>', 'where the bare mirrors that pipelines are read from live (default .ferry/serve)')
    .option('--body-limit <size>', 'largest delivery accepted (default 25mb)')
    .option('--labels <list>', 'labels a runner needs to take the runs (comma-separated)')
    .option(
      '--github-secret <secret>',
      'webhook secret of every GitHub repository that has none of its own ($FERRY_GITHUB_SECRET)',
    )
    .option(
      '--gitlab-token <token>',
      'secret token of every GitLab project that has none of its own ($FERRY_GITLAB_TOKEN)',
    )
    .option(
      '--gitea-secret <secret>',
      'webhook secret of every Gitea repository that has none of its own ($FERRY_GITEA_SECRET)',
    )
    .option('--webhook-secret <secret>', 'secret of /hooks/generic deliveries ($FERRY_WEBHOOK_SECRET)')
    .option(
      '--api-token <token>',
      'an API token with every scope ($FERRY_API_TOKEN); scoped ones go in the config file',
    )
    .option('--public-reads', 'let anyone list runs and read their events without a token')
    .option(
      '--image <tool=image>',
      "for GitHub or GitLab files: the image for a tool, sent with each run (repeatable; a runner's --image wins)",
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .action(async (options: ServeCommandOptions) => {
      cli.setExitCode(await serveCommand(cli.io, options));
    });
}
