import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';

/** A header's value (the first, when it came more than once); header names are lowercase in Node. */
export function headerOf(headers: IncomingHttpHeaders, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = headers[name];
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined && first !== '') return first;
  }
  return undefined;
}

/** Validates the part of a payload an adapter reads; every problem is `field: message`. */
export function readPayload<T extends z.ZodType>(
  schema: T,
  payload: unknown,
): { ok: true; value: z.output<T> } | { ok: false; problems: string[] } {
  const parsed = schema.safeParse(payload);
  if (parsed.success) return { ok: true, value: parsed.data };
  return {
    ok: false,
    problems: parsed.error.issues.map((issue) => `${issue.path.join('.') || 'payload'}: ${issue.message}`),
  };
}

/** A field read from an untrusted object without a schema (to find the repository before the signature is checked). */
export function pick(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

export const shaField = z.string().regex(/^[0-9a-fA-F]{7,64}$/, 'expected a commit sha');

/** The changed paths a list of pushed commits names (added, modified, removed), sorted and unique. */
export function pathsOfCommits(
  commits: readonly { added?: string[] | null; modified?: string[] | null; removed?: string[] | null }[],
): string[] {
  const paths = new Set<string>();
  for (const commit of commits) {
    for (const list of [commit.added, commit.modified, commit.removed]) for (const path of list ?? []) paths.add(path);
  }
  return [...paths].sort();
}

export const commitFilesSchema = z.object({
  id: z.string().optional(),
  added: z.array(z.string()).nullish(),
  modified: z.array(z.string()).nullish(),
  removed: z.array(z.string()).nullish(),
});
