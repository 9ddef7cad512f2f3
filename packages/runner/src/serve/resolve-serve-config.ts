import { FerryError, parseDuration, parseSize } from '@ferry/engine';
import { defaultCloneTransports } from '../webhook/check-clone-url.js';
import { apiToken, type ApiAuth } from '../api/bearer-auth.js';
import { labelPattern, normalizeLabels } from '../queue/names.js';
import type { Forge } from '../webhook/trigger.js';
import type { WebhookSettings } from '../webhook/webhook-settings.js';
import type { StatusSettings } from '../status/status-reporter.js';
import type { LoadedServeConfig } from './load-serve-config.js';
import { sizePattern } from './serve-config.js';

/** `ferry serve`'s flags, as commander gives them. */
export interface ServeOptions {
  host?: string;
  port?: string;
  redis?: string;
  workdir?: string;
  bodyLimit?: string;
  labels?: string;
  githubSecret?: string;
  gitlabToken?: string;
  giteaSecret?: string;
  webhookSecret?: string;
  apiToken?: string;
  publicReads?: boolean;
  /** `--image tool=image`, repeated: over the config file's `images:`. */
  image?: string[];
}

export interface ResolvedServeConfig {
  host: string;
  port: number;
  redisUrl: string;
  workdir: string;
  bodyLimit: number;
  settings: WebhookSettings;
  api: ApiAuth;
  /** How long one git command of the pipeline source may take (a delivery waits for it). */
  gitTimeoutMs: number;
  /** Limits on event streams that the config file sets (the rest: defaults). */
  streams: { total?: number; perClient?: number; idleMs?: number };
  /** Commit status endpoints (tokens resolved); no endpoint = no statuses. */
  statuses: StatusSettings;
  /** The deploy state dir whose services the API and the web page show; none = no deploy routes. */
  deploysStateDir?: string;
}

/** Forges give up on a delivery after about 10 s; git gives up before that. */
export const DEFAULT_GIT_TIMEOUT_MS = 8_000;

/** GitHub caps a delivery at 25 MB; so does Ferry by default. */
export const DEFAULT_BODY_LIMIT = 25 * 1024 * 1024;
export const DEFAULT_PORT = 8080;

/** The environment variable of each forge's default secret, and the flag that wins over it. */
export const defaultSecretSources: Record<
  Forge,
  { flag: 'githubSecret' | 'gitlabToken' | 'giteaSecret' | 'webhookSecret'; flagName: string; env: string }
> = {
  github: { flag: 'githubSecret', flagName: '--github-secret', env: 'FERRY_GITHUB_SECRET' },
  gitlab: { flag: 'gitlabToken', flagName: '--gitlab-token', env: 'FERRY_GITLAB_TOKEN' },
  gitea: { flag: 'giteaSecret', flagName: '--gitea-secret', env: 'FERRY_GITEA_SECRET' },
  generic: { flag: 'webhookSecret', flagName: '--webhook-secret', env: 'FERRY_WEBHOOK_SECRET' },
};

/**
 * Flags win over environment variables, which win over the config file, which wins over the defaults.
 * Throws FerryError SERVE_CONFIG_INVALID for a malformed flag. Pure: `env` is passed in.
 */
export function resolveServeConfig(
  options: ServeOptions,
  loaded: LoadedServeConfig | undefined,
  env: NodeJS.ProcessEnv,
): ResolvedServeConfig {
  const file = loaded?.file ?? {};
  const port = options.port !== undefined ? wholePort(options.port) : (file.port ?? DEFAULT_PORT);
  const limitText = options.bodyLimit ?? file.bodyLimit ?? DEFAULT_BODY_LIMIT;
  if (typeof limitText === 'string' && !sizePattern.test(limitText))
    throw invalid(`--body-limit "${limitText}": expected a size like 25mb, 512kb or a number of bytes`);
  const bodyLimit = typeof limitText === 'number' ? limitText : parseSize(limitText.replace(/\s+/g, ''));
  if (!Number.isFinite(bodyLimit) || bodyLimit < 1)
    throw invalid(`--body-limit "${limitText}": expected a size of at least 1 byte`);

  let labels = file.labels ?? [];
  if (options.labels !== undefined) {
    labels = normalizeLabels(options.labels.split(','));
    const bad = labels.find((label) => !labelPattern.test(label));
    if (bad !== undefined) throw invalid(`--labels: "${bad}" is not a label (letters, digits, ".", "_", "-")`);
  }

  const defaultSecrets: Partial<Record<Forge, string>> = { ...loaded?.defaultSecrets };
  for (const [forge, source] of Object.entries(defaultSecretSources) as [
    Forge,
    (typeof defaultSecretSources)[Forge],
  ][]) {
    const value = options[source.flag] ?? nonEmpty(env[source.env]);
    if (value !== undefined) defaultSecrets[forge] = value;
  }
  // --api-token and $FERRY_API_TOKEN add a token with every scope to those of the config file.
  const tokens = [...(loaded?.apiTokens ?? [])];
  if (options.apiToken !== undefined) tokens.push(apiToken('--api-token', ['admin'], { token: options.apiToken }));
  else if (nonEmpty(env.FERRY_API_TOKEN) !== undefined)
    tokens.push(apiToken('$FERRY_API_TOKEN', ['admin'], { token: env.FERRY_API_TOKEN ?? '' }));

  return {
    host: options.host ?? file.host ?? '127.0.0.1',
    port,
    redisUrl: options.redis ?? nonEmpty(env.FERRY_REDIS_URL) ?? file.redis ?? 'redis://127.0.0.1:6379',
    workdir: options.workdir ?? file.workdir ?? '.ferry/serve',
    bodyLimit,
    settings: {
      defaultSecrets,
      repositories: loaded?.repositories ?? [],
      labels: normalizeLabels(labels),
      ...imagesOf(file.images, options.image),
      cloneTransports: [...new Set([...defaultCloneTransports, ...(file.git?.transports ?? [])])],
    },
    streams: {
      ...(file.api?.streams?.total !== undefined ? { total: file.api.streams.total } : {}),
      ...(file.api?.streams?.perClient !== undefined ? { perClient: file.api.streams.perClient } : {}),
      ...(file.api?.streams?.idle !== undefined ? { idleMs: parseDuration(file.api.streams.idle) } : {}),
    },
    gitTimeoutMs: file.git?.timeout !== undefined ? parseDuration(file.git.timeout) : DEFAULT_GIT_TIMEOUT_MS,
    api: { tokens, publicReads: options.publicReads ?? file.api?.publicReads ?? false },
    statuses: loaded?.statuses ?? { forges: {}, repositories: [] },
    ...(file.deploys ? { deploysStateDir: file.deploys.stateDir } : {}),
  };
}

function imagesOf(
  fromFile: Record<string, string> | undefined,
  flags: string[] | undefined,
): { images?: Record<string, string> } {
  const images = { ...fromFile };
  for (const pair of flags ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0 || eq === pair.length - 1)
      throw invalid(`--image "${pair}": expected tool=image, like node=ferry/node:20`);
    images[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return Object.keys(images).length > 0 ? { images } : {};
}

function wholePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw invalid(`--port "${text}": expected a port number (0 picks a free one)`);
  return port;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function invalid(message: string): FerryError {
  return new FerryError('SERVE_CONFIG_INVALID', message);
}
