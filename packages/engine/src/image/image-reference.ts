/**
 * Image references as Docker reads them (`[registry/]path[:tag][@digest]`), following the grammar of
 * distribution/reference: the first component is a registry when it holds a `.` or a `:` or is `localhost`;
 * path components are lowercase; a tag is at most 128 of `[A-Za-z0-9_.-]`, not starting with `.` or `-`.
 */
export interface ImageReference {
  /** Registry host with port (`127.0.0.1:5000`, `ghcr.io`); absent for a Docker Hub short name like `shop/api`. */
  registry?: string;
  /** The path below the registry: `shop/api`. */
  path: string;
  tag?: string;
  digest?: string;
}

export type ParsedReference = { ok: true; reference: ImageReference } | { ok: false; reason: string };

const pathComponent = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const hostPattern =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:.]+\])(?::\d+)?$/;
const tagPattern = /^[\w][\w.-]{0,127}$/;
const digestPattern = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}$/;
const MAX_NAME_LENGTH = 255;

export function parseImageReference(text: string): ParsedReference {
  if (text.length === 0) return { ok: false, reason: 'it is empty' };
  if (/\s/.test(text)) return { ok: false, reason: 'it contains whitespace' };
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!digestPattern.test(digest))
      return { ok: false, reason: `"${digest}" is not a digest (expected sha256:<hex>)` };
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (tag === '') return { ok: false, reason: 'the tag after ":" is empty' };
    if (!tagPattern.test(tag)) {
      return {
        ok: false,
        reason: `the tag "${tag}" is not valid (at most 128 letters, digits, _ . -, not starting with . or -)`,
      };
    }
  }
  if (rest.length > MAX_NAME_LENGTH)
    return { ok: false, reason: `the name is longer than ${MAX_NAME_LENGTH} characters` };
  const slash = rest.indexOf('/');
  const first = slash === -1 ? rest : rest.slice(0, slash);
  let registry: string | undefined;
  let path = rest;
  if (slash !== -1 && (/[.:]/.test(first) || first === 'localhost')) {
    registry = first;
    path = rest.slice(slash + 1);
    if (!hostPattern.test(registry)) return { ok: false, reason: `"${registry}" is not a registry host` };
  }
  if (path === '') return { ok: false, reason: 'the repository name is empty' };
  for (const component of path.split('/')) {
    if (!pathComponent.test(component)) {
      const hint = component !== component.toLowerCase() ? ' (repository names must be lowercase)' : '';
      return { ok: false, reason: `"${component}" is not a valid repository name component${hint}` };
    }
  }
  return {
    ok: true,
    reference: {
      ...(registry !== undefined ? { registry } : {}),
      path,
      ...(tag !== undefined ? { tag } : {}),
      ...(digest !== undefined ? { digest } : {}),
    },
  };
}

/** `127.0.0.1:5000/shop/api`: the repository a tag lives in, as the reference wrote it. */
export function repositoryOf(reference: ImageReference): string {
  return reference.registry === undefined ? reference.path : `${reference.registry}/${reference.path}`;
}

/** The reference as text; the tag defaults to `latest` as Docker's does, unless a digest pins it. */
export function formatImageReference(reference: ImageReference): string {
  const tag = reference.tag ?? (reference.digest === undefined ? 'latest' : undefined);
  return `${repositoryOf(reference)}${tag !== undefined ? `:${tag}` : ''}${reference.digest !== undefined ? `@${reference.digest}` : ''}`;
}

/**
 * Turns text (a branch name like `feature/login`) into a valid tag: every run of characters outside
 * `[A-Za-z0-9_.-]` becomes `-`, leading `.` and `-` go, and it is cut to 128 characters. Empty when nothing is left.
 */
export function sanitizeTag(text: string): string {
  return text
    .replace(/[^\w.-]+/g, '-')
    .replace(/^[.-]+/, '')
    .slice(0, 128);
}
