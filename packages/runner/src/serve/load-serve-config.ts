import { readFile } from 'node:fs/promises';
import { FerryError, formatPath } from '@ferry/engine';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { apiToken, type ApiToken } from '../api/bearer-auth.js';
import type { Forge } from '../webhook/trigger.js';
import type { RepositorySettings } from '../webhook/webhook-settings.js';
import { statusForges, type StatusForge } from '../status/commit-status.js';
import type { StatusEndpoint, StatusSettings } from '../status/status-reporter.js';
import { serveConfigSchema, type ServeConfigFile } from './serve-config.js';

/** The config file with its secrets resolved (`secretEnv` → the variable's value). */
export interface LoadedServeConfig {
  file: ServeConfigFile;
  defaultSecrets: Partial<Record<Forge, string>>;
  repositories: RepositorySettings[];
  /** api.token / api.tokens, resolved; api.token has every scope. */
  apiTokens: ApiToken[];
  /** Commit status endpoints with their tokens resolved. */
  statuses: StatusSettings;
}

/** Where each forge's API is unless the config says otherwise; Gitea has no public default. */
export const defaultStatusApis: Partial<Record<StatusForge, string>> = {
  github: 'https://api.github.com',
  gitlab: 'https://gitlab.com/api/v4',
};

type PathSegment = string | number;

/**
 * Reads and validates a `ferry serve` config file. Throws FerryError SERVE_CONFIG_INVALID with one line per
 * problem, each naming the file, line, column and field: `serve.yml:7:12 SERVE_CONFIG_INVALID
 * repositories[0].forge: …`. The message never contains a secret's value.
 */
export async function loadServeConfig(file: string, env: NodeJS.ProcessEnv): Promise<LoadedServeConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new FerryError(
      'SERVE_CONFIG_INVALID',
      `${file}: SERVE_CONFIG_INVALID ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
    );
  }
  return parseServeConfig(text, file, env);
}

/** loadServeConfig on text already read. */
export function parseServeConfig(text: string, file: string, env: NodeJS.ProcessEnv): LoadedServeConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const problem = (line: number, col: number, path: PathSegment[], message: string) =>
    `${file}:${line}:${col} SERVE_CONFIG_INVALID ${path.length > 0 ? `${formatPath(path)}: ` : ''}${message}`;
  if (doc.errors.length > 0) {
    const lines = doc.errors.map((error) => {
      const { line, col } = lineCounter.linePos(error.pos[0]);
      return problem(line, col, [], error.message.split('\n')[0] ?? 'YAML syntax error');
    });
    throw new FerryError('SERVE_CONFIG_INVALID', lines.join('\n'));
  }
  const data: unknown = doc.contents === null ? {} : doc.toJS();
  const at = (path: PathSegment[], key = false) => {
    const { line, col } = lineCounter.linePos(locate(doc, path, key));
    return { line, col };
  };
  const parsed = serveConfigSchema.safeParse(data);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const path = issue.path.filter((segment): segment is PathSegment => typeof segment !== 'symbol');
      if (issue.code === 'unrecognized_keys') {
        const where = at([...path, issue.keys[0] ?? ''], true);
        return problem(
          where.line,
          where.col,
          [...path, issue.keys[0] ?? ''],
          `unknown field (${issue.keys.length > 1 ? `also ${issue.keys.slice(1).join(', ')}; ` : ''}see docs/webhooks.md)`,
        );
      }
      const where = at(path);
      return problem(where.line, where.col, path, issue.message);
    });
    throw new FerryError('SERVE_CONFIG_INVALID', lines.join('\n'));
  }
  const config = parsed.data;
  const lines: string[] = [];
  const secretOf = (
    source: object | undefined,
    path: PathSegment[],
    [literal, fromEnv]: [string, string] = ['secret', 'secretEnv'],
  ): string | undefined => {
    if (!source) return undefined;
    const given = (source as Record<string, string | undefined>)[literal];
    const variable = (source as Record<string, string | undefined>)[fromEnv];
    if (given !== undefined && variable !== undefined) {
      const where = at([...path, fromEnv], true);
      lines.push(problem(where.line, where.col, [...path, fromEnv], `give ${literal} or ${fromEnv}, not both`));
      return undefined;
    }
    if (variable === undefined) return given;
    const value = env[variable];
    if (value === undefined || value === '') {
      const where = at([...path, fromEnv]);
      lines.push(problem(where.line, where.col, [...path, fromEnv], `$${variable} is not set (or is empty)`));
      return undefined;
    }
    return value;
  };

  const defaultSecrets: Partial<Record<Forge, string>> = {};
  for (const forge of ['github', 'gitlab', 'gitea', 'generic'] as const) {
    const secret = secretOf(config.forges?.[forge], ['forges', forge]);
    if (secret !== undefined) defaultSecrets[forge] = secret;
  }
  const seen = new Map<string, number>();
  const repositories: RepositorySettings[] = (config.repositories ?? []).map((entry, index) => {
    const id = `${entry.forge ?? '*'}:${entry.name.toLowerCase()}`;
    const first = seen.get(id);
    if (first !== undefined) {
      const where = at(['repositories', index, 'name']);
      lines.push(
        problem(
          where.line,
          where.col,
          ['repositories', index, 'name'],
          `"${entry.name}" is already configured at repositories[${first}]`,
        ),
      );
    } else {
      seen.set(id, index);
    }
    const secret = secretOf(entry, ['repositories', index]);
    return {
      name: entry.name,
      ...(entry.forge !== undefined ? { forge: entry.forge as Forge } : {}),
      ...(secret !== undefined ? { secret } : {}),
      ...(entry.clone !== undefined ? { clone: entry.clone } : {}),
      ...(entry.pipeline !== undefined ? { pipeline: entry.pipeline } : {}),
      ...(entry.labels !== undefined ? { labels: entry.labels } : {}),
      ...(entry.images !== undefined ? { images: entry.images } : {}),
    };
  });
  const apiTokens: ApiToken[] = [];
  const single = secretOf(config.api, ['api'], ['token', 'tokenEnv']);
  if (single !== undefined) apiTokens.push(apiToken('api.token', ['admin'], { token: single }));
  if (config.api?.protect !== undefined) {
    const where = at(['api', 'protect'], true);
    lines.push(
      problem(
        where.line,
        where.col,
        ['api', 'protect'],
        'was replaced: reads need a token with the read scope unless you set publicReads: true (see docs/webhooks.md)',
      ),
    );
  }
  const names = new Set<string>();
  (config.api?.tokens ?? []).forEach((entry, index) => {
    const path = ['api', 'tokens', index];
    if (names.has(entry.name)) {
      const where = at([...path, 'name']);
      lines.push(problem(where.line, where.col, [...path, 'name'], `"${entry.name}" is already the name of a token`));
    }
    names.add(entry.name);
    if (entry.hash === undefined && entry.tokenEnv === undefined) {
      const where = at(path);
      lines.push(problem(where.line, where.col, path, 'expected hash (ferry serve hash-token) or tokenEnv'));
      return;
    }
    if (entry.hash !== undefined) {
      if (entry.tokenEnv !== undefined) {
        const where = at([...path, 'tokenEnv'], true);
        lines.push(problem(where.line, where.col, [...path, 'tokenEnv'], 'give hash or tokenEnv, not both'));
        return;
      }
      apiTokens.push(apiToken(entry.name, entry.scopes, { hash: entry.hash }));
      return;
    }
    const value = secretOf({ tokenEnv: entry.tokenEnv }, path, ['token', 'tokenEnv']);
    if (value !== undefined) apiTokens.push(apiToken(entry.name, entry.scopes, { token: value }));
  });
  const endpointOf = (
    source: {
      api?: string | undefined;
      token?: string | undefined;
      tokenEnv?: string | undefined;
      checks?: boolean | undefined;
    },
    path: PathSegment[],
    forge: StatusForge | undefined,
    inherited: StatusEndpoint | undefined,
  ): StatusEndpoint | undefined => {
    const token = secretOf(source, path, ['token', 'tokenEnv']) ?? inherited?.token;
    const api = source.api ?? inherited?.api ?? (forge ? defaultStatusApis[forge] : undefined);
    if (token === undefined) {
      // A variable that is not set was reported by secretOf already.
      if (source.tokenEnv === undefined) {
        const where = at(path);
        lines.push(
          problem(where.line, where.col, path, 'expected token or tokenEnv (the forge token statuses are posted with)'),
        );
      }
      return undefined;
    }
    if (api === undefined) {
      const where = at(path);
      lines.push(
        problem(
          where.line,
          where.col,
          path,
          'expected api, the forge API base URL (like https://gitea.example.com/api/v1)',
        ),
      );
      return undefined;
    }
    // A repository with a token of its own does not inherit its forge's checks: that token may not be an App's.
    const ownToken = source.token !== undefined || source.tokenEnv !== undefined;
    const checks = source.checks ?? (ownToken ? undefined : inherited?.checks);
    if (checks && forge !== undefined && forge !== 'github') {
      const where = at([...path, 'checks'], true);
      lines.push(problem(where.line, where.col, [...path, 'checks'], 'check runs are GitHub’s; drop checks here'));
      return undefined;
    }
    return checks ? { api, token, checks } : { api, token };
  };
  const statusForgesConfigured: StatusSettings['forges'] = {};
  for (const forge of statusForges) {
    const source = config.statuses?.[forge];
    if (!source) continue;
    const endpoint = endpointOf(source, ['statuses', forge], forge, undefined);
    if (endpoint) statusForgesConfigured[forge] = endpoint;
  }
  const statusRepositories: StatusSettings['repositories'] = [];
  (config.repositories ?? []).forEach((entry, index) => {
    if (entry.status === undefined) return;
    const forge = statusForges.find((f) => f === entry.forge);
    if (entry.status === false) {
      statusRepositories.push({ ...(forge ? { forge } : {}), name: entry.name, status: false });
      return;
    }
    const endpoint = endpointOf(
      entry.status,
      ['repositories', index, 'status'],
      forge,
      forge ? statusForgesConfigured[forge] : undefined,
    );
    if (endpoint) statusRepositories.push({ ...(forge ? { forge } : {}), name: entry.name, status: endpoint });
  });
  const statuses: StatusSettings = {
    ...(config.statuses?.url !== undefined ? { publicUrl: config.statuses.url } : {}),
    forges: statusForgesConfigured,
    repositories: statusRepositories,
  };
  if (lines.length > 0) throw new FerryError('SERVE_CONFIG_INVALID', lines.join('\n'));
  return { file: config, defaultSecrets, repositories, apiTokens, statuses };
}

/**
 * The offset of the node at `path` (its key with `key`), or of the deepest node the path reaches when the
 * document stops short of it (a missing field is reported at the mapping that lacks it).
 */
function locate(doc: Document, path: PathSegment[], key = false): number {
  let node: unknown = doc.contents;
  let offset = doc.contents?.range?.[0] ?? 0;
  for (let index = 0; index < path.length; index += 1) {
    const segment = path[index];
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
      if (!pair) return offset;
      const last = index === path.length - 1;
      const keyStart = (pair.key as Node | null)?.range?.[0];
      const value = pair.value as Node | null;
      if (last && key && keyStart !== undefined) return keyStart;
      offset = value?.range?.[0] ?? keyStart ?? offset;
      node = value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as Node | undefined;
      if (!item) return offset;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else {
      return offset;
    }
  }
  return offset;
}
