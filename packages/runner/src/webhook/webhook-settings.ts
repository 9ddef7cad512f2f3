import { checkCloneUrl, defaultCloneTransports } from './check-clone-url.js';
import type { Forge } from './trigger.js';

/** One repository `ferry serve` takes deliveries for (the config file's `repositories:`). */
export interface RepositorySettings {
  /** Only deliveries from this forge match; unset: any forge. */
  forge?: Forge;
  /** As the forge names it: `acme/shop` (GitHub, Gitea), `group/sub/project` (GitLab). Case-insensitive. */
  name: string;
  /** Its webhook secret (GitLab: the secret token); unset: the forge's default. */
  secret?: string;
  /** Clone from here instead of the URL in the payload (a mirror, a file:// path, an SSH URL with a deploy key). */
  clone?: string;
  /** The pipeline file; unset: the first of ferry.yml, .ferry.yml, pipelines/ferry.yml. */
  pipeline?: string;
  /** Labels a runner needs to take this repository's runs; unset: the server's. */
  labels?: string[];
  /** Tool → image for its GitHub or GitLab files, over the server's. */
  images?: Record<string, string>;
}

/** What the delivery handler needs from the configuration (secrets already resolved from env and flags). */
export interface WebhookSettings {
  /** The secret of every repository that names none, per forge. */
  defaultSecrets: Partial<Record<Forge, string>>;
  repositories: RepositorySettings[];
  /** Labels for runs whose repository names none. */
  labels: string[];
  /** Tool → image for GitHub and GitLab files, put in every run request (`--image`, the config's `images:`). */
  images?: Record<string, string>;
  /** Transports a clone URL from a payload or an API call may use; unset: https, http, ssh, git. */
  cloneTransports?: readonly string[];
}

/**
 * Why the clone URL a run would use must not go to git, or undefined. The config file's clone URL is the
 * operator's and may use any transport; one from a payload or an API call only the allowed ones.
 */
export function cloneUrlProblem(
  settings: WebhookSettings,
  repository: RepositorySettings | undefined,
  url: string,
): string | undefined {
  return checkCloneUrl(
    url,
    repository?.clone !== undefined ? undefined : new Set(settings.cloneTransports ?? defaultCloneTransports),
  );
}

/**
 * The name a repository is matched by: lowercase, without surrounding slashes, a `.git` suffix, or the scheme and
 * host of a URL (`https://github.com/Acme/Shop.git/`, `git@github.com:acme/shop.git` and `acme/shop` are one name).
 * Whoever sent a delivery chose its spelling, so every spelling of a configured repository must find it.
 */
export function normalizeRepoName(name: string): string {
  let text = name.trim().toLowerCase();
  const url = /^[a-z][a-z0-9+.-]*:\/\/[^/]*\/(.*)$/.exec(text) ?? /^[^/@\s]+@[^:/\s]+:(.*)$/.exec(text);
  if (url) text = url[1] ?? '';
  for (let before = ''; before !== text;) {
    before = text;
    text = text.replace(/^\/+|\/+$/g, '').replace(/\.git$/, '');
  }
  return text;
}

/** The repository entry for a delivery: one for this forge first, then one for any forge (names normalised). */
export function findRepository(
  settings: WebhookSettings,
  forge: Forge,
  name: string | undefined,
): RepositorySettings | undefined {
  if (name === undefined) return undefined;
  const wanted = normalizeRepoName(name);
  const named = settings.repositories.filter((repository) => normalizeRepoName(repository.name) === wanted);
  return (
    named.find((repository) => repository.forge === forge) ?? named.find((repository) => repository.forge === undefined)
  );
}

/** The repository entry a clone URL points at: its configured `clone`, or a URL whose path is its name. */
export function findRepositoryByCloneUrl(
  settings: WebhookSettings,
  forge: Forge,
  url: string,
): RepositorySettings | undefined {
  const wanted = normalizeRepoName(url);
  const cloned = settings.repositories.filter(
    (repository) =>
      (repository.forge === undefined || repository.forge === forge) &&
      repository.clone !== undefined &&
      normalizeRepoName(repository.clone) === wanted,
  );
  return cloned.find((repository) => repository.forge === forge) ?? cloned[0] ?? findRepository(settings, forge, url);
}

/** The run request's `images`: the server's mappings, the repository's over them; absent when there are none. */
export function requestImages(
  settings: WebhookSettings,
  repository: RepositorySettings | undefined,
): { images?: Record<string, string> } {
  const images = { ...settings.images, ...repository?.images };
  return Object.keys(images).length > 0 ? { images } : {};
}
