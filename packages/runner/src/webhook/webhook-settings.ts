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
}

/** What the delivery handler needs from the configuration (secrets already resolved from env and flags). */
export interface WebhookSettings {
  /** The secret of every repository that names none, per forge. */
  defaultSecrets: Partial<Record<Forge, string>>;
  repositories: RepositorySettings[];
  /** Labels for runs whose repository names none. */
  labels: string[];
}

/** The repository entry for a delivery: one for this forge first, then one for any forge. */
export function findRepository(
  settings: WebhookSettings,
  forge: Forge,
  name: string | undefined,
): RepositorySettings | undefined {
  if (name === undefined) return undefined;
  const wanted = name.toLowerCase();
  const named = settings.repositories.filter((repository) => repository.name.toLowerCase() === wanted);
  return (
    named.find((repository) => repository.forge === forge) ?? named.find((repository) => repository.forge === undefined)
  );
}
