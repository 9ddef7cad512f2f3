/**
 * The transports a clone URL from a payload or an API call may use unless the config file allows more. http is
 * here although it is plain text: it is no plainer than git://, and self-hosted Gitea and GitLab send http://
 * clone URLs by default. What stays out is what reads this machine (file://, a path) or runs a program (`ext::`).
 */
export const defaultCloneTransports = ['https', 'http', 'ssh', 'git'] as const;
/** Every transport the config file can allow (`git.transports`). */
export const cloneTransports = ['https', 'ssh', 'git', 'http', 'file'] as const;
export type CloneTransport = (typeof cloneTransports)[number];

/**
 * The transport git would use for `url`, as git decides it (urlmatch and transport.c): `<helper>::<address>`
 * is a remote helper (`ext::`, `fd::`); `<scheme>://` is that scheme (`git+ssh` and `ssh+git` are ssh); a colon
 * before any slash is the scp-like ssh syntax (`git@host:repo`); anything else is a local path (file).
 */
export function transportOf(url: string): string {
  const helper = /^([A-Za-z0-9][A-Za-z0-9+.-]*)::/.exec(url);
  if (helper) return `${helper[1]?.toLowerCase()}::`;
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(url);
  if (scheme) {
    const name = scheme[1]?.toLowerCase() ?? '';
    return name === 'git+ssh' || name === 'ssh+git' ? 'ssh' : name;
  }
  const colon = url.indexOf(':');
  const slash = url.indexOf('/');
  if (colon > 0 && (slash < 0 || colon < slash)) return 'ssh';
  return 'file';
}

/**
 * Why `url` must not be handed to git, or undefined when it may. git reads an argument starting with `-` as an
 * option (`--upload-pack=…` runs a command), and `ext::` runs one by design. With `allowed`, the URL's transport
 * must be one of them (URLs from payloads and API calls); without, any transport but a remote helper goes
 * (URLs the operator wrote in the config file).
 */
export function checkCloneUrl(url: string, allowed?: ReadonlySet<string>): string | undefined {
  if (url.startsWith('-')) return `clone URL "${url}" starts with "-"`;
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(url)) return 'the clone URL contains control characters';
  if (url.length > 2048) return 'the clone URL is over 2048 characters';
  const transport = transportOf(url);
  if (transport.endsWith('::')) return `clone URLs through a remote helper (${transport}) are not allowed`;
  if (allowed !== undefined && !allowed.has(transport)) {
    const extra = transport === 'file' ? ` (the config file's git.transports can allow it)` : '';
    return `the clone URL's transport "${transport}" is not allowed: ${[...allowed].join(', ')}${extra}`;
  }
  return undefined;
}
