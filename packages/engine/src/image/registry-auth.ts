import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { FerryError } from '../errors.js';

/** Secrets a build job declares to push with a user and password (or token); they apply to every registry the job pushes to. */
export const REGISTRY_USER_SECRET = 'FERRY_REGISTRY_USER';
export const REGISTRY_PASSWORD_SECRET = 'FERRY_REGISTRY_PASSWORD';

/** What the engine's push API takes as X-Registry-Auth. */
export interface RegistryAuth {
  username?: string;
  password?: string;
  identitytoken?: string;
  serveraddress: string;
}

export type RegistryCredentials =
  | { source: 'secrets' | 'docker-config'; auth: RegistryAuth }
  | { source: 'none'; note?: string }
  | { source: 'invalid'; problem: string };

const AuthEntry = z.looseObject({
  auth: z.string().optional(),
  username: z.string().optional(),
  password: z.string().optional(),
  identitytoken: z.string().optional(),
});

const DockerConfigSchema = z.looseObject({
  auths: z.record(z.string(), AuthEntry).optional(),
  credsStore: z.string().optional(),
  credHelpers: z.record(z.string(), z.string()).optional(),
});

export type DockerConfig = z.infer<typeof DockerConfigSchema>;

/** The Docker config file (`~/.docker/config.json`); undefined when there is none. Throws IMAGE_PUSH_FAILED when it is not valid. */
export async function readDockerConfig(file: string): Promise<DockerConfig | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new FerryError(
      'IMAGE_PUSH_FAILED',
      `cannot read the Docker config file ${file}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return parseDockerConfig(text, file);
}

export function parseDockerConfig(text: string, file: string): DockerConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new FerryError(
      'IMAGE_PUSH_FAILED',
      `the Docker config file ${file} is not valid JSON: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const parsed = DockerConfigSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? issue.path.join('.') : '';
    throw new FerryError(
      'IMAGE_PUSH_FAILED',
      `the Docker config file ${file} does not have the expected shape${where ? ` at ${where}` : ''}: ${issue?.message ?? ''}`,
    );
  }
  return parsed.data;
}

export interface CredentialSources {
  /** The job's secrets; FERRY_REGISTRY_USER and FERRY_REGISTRY_PASSWORD are read from here. */
  secrets: Readonly<Record<string, string>>;
  dockerConfig?: DockerConfig;
  /** For messages. */
  dockerConfigPath?: string;
}

/**
 * Credentials for pushing to `registry` (a host like `127.0.0.1:5000`; `docker.io` for Docker Hub):
 * 1. the job's secrets FERRY_REGISTRY_USER and FERRY_REGISTRY_PASSWORD, when both are set;
 * 2. else the Docker config file's `auths` entry for the host (keys match as the docker CLI matches them:
 *    `host`, `https://host`, `https://host/v1/`); `auth` is base64 of `user:password`, `identitytoken` is passed on;
 * 3. else none: the push goes without credentials. Credential helpers (`credsStore`, `credHelpers`) are
 *    programs Ferry does not run; the note says so.
 */
export function findRegistryCredentials(registry: string, sources: CredentialSources): RegistryCredentials {
  const serveraddress = isDockerHub(registry) ? 'https://index.docker.io/v1/' : registry;
  const user = sources.secrets[REGISTRY_USER_SECRET] ?? '';
  const password = sources.secrets[REGISTRY_PASSWORD_SECRET] ?? '';
  if (user !== '' && password !== '') return { source: 'secrets', auth: { username: user, password, serveraddress } };
  if (user !== '' || password !== '') {
    const [set, missing] =
      user !== '' ? [REGISTRY_USER_SECRET, REGISTRY_PASSWORD_SECRET] : [REGISTRY_PASSWORD_SECRET, REGISTRY_USER_SECRET];
    return {
      source: 'invalid',
      problem: `the secret ${set} is set but ${missing} is not; a push needs both (declare both in the job's secrets)`,
    };
  }
  const config = sources.dockerConfig;
  const file = sources.dockerConfigPath ?? 'the Docker config file';
  if (!config) return { source: 'none' };
  const key = Object.keys(config.auths ?? {}).find((candidate) => sameRegistry(hostOf(candidate), registry));
  const entry = key === undefined ? undefined : config.auths?.[key];
  if (entry) {
    const auth: RegistryAuth = { serveraddress };
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon <= 0)
        return { source: 'invalid', problem: `${file} has an "auth" for "${key}" that is not base64 of user:password` };
      auth.username = decoded.slice(0, colon);
      auth.password = decoded.slice(colon + 1);
    } else if (entry.username !== undefined || entry.password !== undefined) {
      if (entry.username !== undefined) auth.username = entry.username;
      if (entry.password !== undefined) auth.password = entry.password;
    }
    if (entry.identitytoken) auth.identitytoken = entry.identitytoken;
    if (auth.username !== undefined || auth.identitytoken !== undefined) return { source: 'docker-config', auth };
  }
  const helper =
    Object.entries(config.credHelpers ?? {}).find(([host]) => sameRegistry(hostOf(host), registry))?.[1] ??
    config.credsStore;
  if (helper) {
    return {
      source: 'none',
      note: `${file} keeps the credentials for ${registry} in the credential helper "${helper}", which Ferry does not run; pushing without credentials`,
    };
  }
  return { source: 'none' };
}

/** The host of an `auths` key, as the docker CLI reads it: scheme and path dropped. */
function hostOf(key: string): string {
  const withoutScheme = key.replace(/^https?:\/\//i, '');
  return withoutScheme.split('/')[0] ?? withoutScheme;
}

function sameRegistry(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase() || (isDockerHub(a) && isDockerHub(b));
}

function isDockerHub(host: string): boolean {
  return ['docker.io', 'index.docker.io', 'registry-1.docker.io'].includes(host.toLowerCase());
}
