import { FerryError } from '../errors.js';

export interface Submodule {
  /** The name in .gitmodules (`submodule.<name>.*`), which names its git dir under `.git/modules/`. */
  name: string;
  /** Its path in the superproject's tree. */
  path: string;
  /** Its `url` in .gitmodules, as written (maybe relative: `../lib.git`). */
  url: string;
  /** The commit the superproject's tree records for it (its gitlink). */
  sha: string;
}

/**
 * The submodules of a commit: the .gitmodules entries (from `git config -z --blob <sha>:.gitmodules --list`)
 * whose path is a gitlink in the commit's tree (from `git ls-tree -z <sha> -- <paths>`), in .gitmodules order.
 * An entry without a gitlink, or a gitlink without an entry, is not a submodule (as for `git submodule`).
 */
export function parseSubmodules(gitmodulesConfig: string, lsTree: string): Submodule[] {
  const gitlinks = new Map<string, string>();
  for (const line of lsTree.split('\0')) {
    const match = /^160000 commit ([0-9a-f]+)\t(.+)$/.exec(line);
    if (match) gitlinks.set(match[2] as string, match[1] as string);
  }
  const submodules: Submodule[] = [];
  for (const entry of parseGitmodules(gitmodulesConfig)) {
    const sha = gitlinks.get(entry.path);
    if (sha !== undefined) submodules.push({ ...entry, sha });
  }
  return submodules;
}

/**
 * The entries of .gitmodules that have a `path`, in order (from `git config -z … --list`). Throws EXEC_CHECKOUT
 * for a name git would refuse (absolute, or with a `..` component): it names a directory under `.git/modules/`.
 */
export function parseGitmodules(gitmodulesConfig: string): Omit<Submodule, 'sha'>[] {
  const entries = new Map<string, { path?: string; url?: string }>();
  for (const record of gitmodulesConfig.split('\0')) {
    const newline = record.indexOf('\n');
    const key = newline < 0 ? record : record.slice(0, newline);
    const value = newline < 0 ? '' : record.slice(newline + 1);
    const match = /^submodule\.(.+)\.(path|url)$/.exec(key);
    if (!match) continue;
    const name = match[1] as string;
    const entry = entries.get(name) ?? {};
    entry[match[2] as 'path' | 'url'] = value;
    entries.set(name, entry);
  }
  for (const name of entries.keys())
    if (name.startsWith('/') || name.split(/[/\\]/).includes('..'))
      throw new FerryError(
        'EXEC_CHECKOUT',
        `cannot make the checkout of the job: submodule name "${name}" is not allowed`,
      );
  return [...entries].flatMap(([name, entry]) =>
    entry.path !== undefined ? [{ name, path: entry.path, url: entry.url ?? '' }] : [],
  );
}

/**
 * A submodule's URL as `git submodule init` resolves it: one starting with `./` or `../` is relative to the
 * superproject's URL `base` (each `../` drops a path component, also of `host:path` and `file:///` URLs); others
 * are kept. Without a base a relative URL is kept as it is.
 */
export function resolveSubmoduleUrl(url: string, base: string): string {
  if (!/^\.\.?\//.test(url) || base === '') return url;
  let resolved = base.replace(/\/+$/, '');
  let rest = url;
  for (;;) {
    if (rest.startsWith('./')) rest = rest.slice(2);
    else if (rest.startsWith('../')) {
      rest = rest.slice(3);
      const cut = Math.max(resolved.lastIndexOf('/'), resolved.lastIndexOf(':'));
      // Never cut into `scheme://`: what is left of the URL is its host.
      if (cut < 0 || resolved.slice(cut - 2, cut + 1) === '://') break;
      const separator = resolved[cut];
      resolved = resolved.slice(0, cut);
      if (separator === ':') return `${resolved}:${rest}`;
    } else break;
  }
  return `${resolved}/${rest}`;
}
