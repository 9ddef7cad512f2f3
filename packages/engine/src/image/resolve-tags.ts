import { formatImageReference, parseImageReference, sanitizeTag, type ImageReference } from './image-reference.js';

export interface RenderedTag {
  /** As written in the pipeline, e.g. `127.0.0.1:5000/shop/api:${{ git.branch }}`. */
  template: string;
  /** After rendering, e.g. `127.0.0.1:5000/shop/api:feature/login`. */
  value: string;
}

export interface ResolvedTag {
  /** The reference given to Docker, always with a tag: `127.0.0.1:5000/shop/api:feature-login`. */
  name: string;
  reference: ImageReference & { tag: string };
}

export interface ResolvedTags {
  tags: ResolvedTag[];
  /** What was changed or left out, one line each, for the job log. */
  notes: string[];
  /** Tags that cannot be used; any problem fails the job before it builds. */
  problems: string[];
}

/**
 * Makes image references of rendered tag templates, the way docker/metadata-action treats refs:
 * - a tag whose tag part rendered empty (`app:${{ git.tag }}` on a commit without a tag) is left out;
 * - a tag part with characters a tag cannot hold (`feature/login` from `${{ git.branch }}`) is sanitized to
 *   `feature-login`;
 * - a reference without a tag gets `latest`; duplicates are dropped.
 * Anything else that is not a valid reference (uppercase repository, a digest) is a problem naming the tag.
 */
export function resolveTags(rendered: readonly RenderedTag[]): ResolvedTags {
  const result: ResolvedTags = { tags: [], notes: [], problems: [] };
  const seen = new Set<string>();
  for (const { template, value } of rendered) {
    const text = value.trim();
    if (text.includes('@')) {
      const reason = /@[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}$/.test(text)
        ? 'names a digest; a build can only be tagged (name:tag)'
        : 'is not a valid image reference: "@" may only come before a digest';
      result.problems.push(`tag ${describe(template, text)} ${reason}`);
      continue;
    }
    const split = splitTag(text);
    if (text === '' || (split.tag !== undefined && split.tag.trim() === '')) {
      result.notes.push(
        `tag ${template} left out: it rendered to "${text}", which has no tag (an expression in it is empty)`,
      );
      continue;
    }
    let candidate = text;
    if (split.tag !== undefined) {
      const clean = sanitizeTag(split.tag);
      if (clean === '') {
        result.notes.push(`tag ${template} left out: its tag "${split.tag}" has no character a tag can hold`);
        continue;
      }
      if (clean !== split.tag) {
        candidate = `${split.name}:${clean}`;
        result.notes.push(`tag ${text} written as ${candidate} (a tag holds only letters, digits, _ . and -)`);
      }
    }
    const parsed = parseImageReference(candidate);
    if (!parsed.ok) {
      result.problems.push(`tag ${describe(template, text)} is not a valid image reference: ${parsed.reason}`);
      continue;
    }
    const reference = { ...parsed.reference, tag: parsed.reference.tag ?? 'latest' };
    const name = formatImageReference(reference);
    if (seen.has(name)) continue;
    seen.add(name);
    result.tags.push({ name, reference });
  }
  return result;
}

/**
 * Splits at the `:` that starts the tag: the first one after the registry host (a repository path holds no
 * `:`), so a tag rendered from a branch like `feature/login` stays whole for sanitizing.
 */
function splitTag(text: string): { name: string; tag?: string } {
  const slash = text.indexOf('/');
  const first = slash === -1 ? '' : text.slice(0, slash);
  const isHost = first === 'localhost' || /^[^:]*\.[^:]*(:\d+)?$/.test(first) || /^[^:]+:\d+$/.test(first);
  const colon = text.indexOf(':', isHost ? slash + 1 : 0);
  if (colon === -1) return { name: text };
  return { name: text.slice(0, colon), tag: text.slice(colon + 1) };
}

function describe(template: string, value: string): string {
  return template === value ? `"${value}"` : `"${value}" (from ${template})`;
}
