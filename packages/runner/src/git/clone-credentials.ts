/** A username and password (or token) taken out of a clone URL. */
export interface CloneCredential {
  username: string;
  password: string;
}

export interface SplitCloneUrl {
  /** The URL without its secret: what is stored, shown and handed to git. */
  url: string;
  credential?: CloneCredential;
}

/**
 * Takes the secret out of a clone URL. An http(s) URL loses its whole userinfo (`https://x-access-token:T@…` and
 * `https://T@…` both carry the token); any other `scheme://` URL loses its password and keeps its user
 * (`ssh://git@host/…`). scp-like and local paths have no secret to lose.
 */
export function splitCloneUrl(url: string): SplitCloneUrl {
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/]*@/.test(url)) return { url };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { url };
  }
  const username = decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  if (parsed.protocol === 'http:' || parsed.protocol === 'https:') {
    if (username === '' && password === '') return { url };
    parsed.username = '';
    parsed.password = '';
    return { url: parsed.toString(), credential: { username, password } };
  }
  if (password === '') return { url };
  parsed.password = '';
  return { url: parsed.toString(), credential: { username, password } };
}

/** The URL as it may be stored and shown: without its secret. */
export function withoutCredentials(url: string): string {
  return splitCloneUrl(url).url;
}

/** Whether the URL holds a secret (a record must not). */
export function hasCredentials(url: string): boolean {
  return splitCloneUrl(url).credential !== undefined;
}

/**
 * How git gets a credential without it being in an argument, a URL or a file: an inline credential helper that
 * prints two environment variables set for that one git process. The helper's text holds no secret.
 * (A token alone, `https://T@host`, is sent as the username with an empty password, as git itself does.)
 */
export function credentialHelper(credential: CloneCredential): { args: string[]; env: Record<string, string> } {
  return {
    args: [
      '-c',
      'credential.helper=',
      '-c',
      'credential.helper=!f() { test "$1" = get || exit 0; printf "username=%s\\npassword=%s\\n" "$FERRY_GIT_USERNAME" "$FERRY_GIT_PASSWORD"; }; f',
    ],
    env: { FERRY_GIT_USERNAME: credential.username, FERRY_GIT_PASSWORD: credential.password },
  };
}

/** Variables simple-git refuses to pass on (they make git run programs); dropped from an environment given to it. */
const refusedBySimpleGit = new Set([
  'editor',
  'git_askpass',
  'git_config',
  'git_config_count',
  'git_config_global',
  'git_config_system',
  'git_editor',
  'git_exec_path',
  'git_external_diff',
  'git_pager',
  'git_proxy_command',
  'git_sequence_editor',
  'git_ssh',
  'git_ssh_command',
  'git_template_dir',
  'pager',
  'prefix',
  'ssh_askpass',
]);

/** An environment for a simple-git instance: the given one without the variables simple-git refuses. */
export function gitSafeEnv(env: Record<string, string | undefined>): Record<string, string> {
  const safe: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && !refusedBySimpleGit.has(name.toLowerCase())) safe[name] = value;
  }
  return safe;
}
