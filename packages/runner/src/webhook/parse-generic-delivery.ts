import { z } from 'zod';
import { readPayload, shaField } from './payload-fields.js';
import { splitRef, type ParsedDelivery } from './trigger.js';

/** Ferry's own delivery format for forges without an adapter, CI systems and scripts (docs/webhooks.md). */
export const genericPayloadSchema = z.object({
  repo: z.string().min(1),
  cloneUrl: z.string().min(1).optional(),
  sha: shaField,
  ref: z.string().min(1),
  before: shaField.optional(),
  paths: z.array(z.string()).optional(),
  author: z.string().optional(),
  fork: z.boolean().default(false),
  pullRequest: z
    .object({
      number: z.number().int(),
      action: z.enum(['opened', 'synchronize', 'reopened']).default('opened'),
      baseBranch: z.string().min(1),
      baseSha: shaField.optional(),
    })
    .optional(),
});

/** A generic delivery (`X-Ferry-Event`: push, pull_request or ping) → a trigger. A push of `refs/tags/…` is a tag event. */
export function parseGenericDelivery(event: string, payload: unknown): ParsedDelivery {
  if (event === 'ping') return { kind: 'ping' };
  if (event !== 'push' && event !== 'pull_request')
    return { kind: 'ignored', reason: `event "${event}" does not start runs (push and pull_request do)` };
  const read = readPayload(genericPayloadSchema, payload);
  if (!read.ok) return { kind: 'malformed', problems: read.problems };
  const body = read.value;
  const common = {
    forge: 'generic' as const,
    repo: body.repo,
    cloneUrl: body.cloneUrl ?? '',
    sha: body.sha,
    ref: body.ref,
    ...(body.paths !== undefined ? { paths: [...new Set(body.paths)].sort() } : {}),
    ...(body.author !== undefined ? { author: body.author } : {}),
    fork: body.fork,
  };
  if (event === 'pull_request') {
    if (!body.pullRequest)
      return { kind: 'malformed', problems: ['pullRequest: a pull_request delivery needs { number, baseBranch }'] };
    const target = splitRef(body.ref);
    return {
      kind: 'trigger',
      trigger: {
        ...common,
        event: 'pull_request',
        ...(target && 'branch' in target ? target : {}),
        pullRequest: body.pullRequest,
      },
    };
  }
  const target = splitRef(body.ref);
  if (!target) return { kind: 'malformed', problems: [`ref: expected refs/heads/… or refs/tags/…, got "${body.ref}"`] };
  return {
    kind: 'trigger',
    trigger: {
      ...common,
      event: 'tag' in target ? 'tag' : 'push',
      ...target,
      ...(body.before !== undefined ? { before: body.before } : {}),
    },
  };
}
