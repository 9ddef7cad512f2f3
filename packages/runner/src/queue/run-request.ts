import { z } from 'zod';
import { hasCredentials } from '../git/clone-credentials.js';
import { labelPattern, normalizeLabels } from './names.js';

const pipelinePath = z
  .string()
  .min(1)
  .refine(
    (path) => !path.startsWith('/') && !path.split(/[\\/]/).includes('..'),
    'expected a path inside the repository (relative, no "..")',
  );

/** What a run request names: where the code is, which commit, which pipeline, and what the runner must offer. */
export const runRequestSchema = z.object({
  /** Anything `git clone` accepts: https://, ssh://, git@host:path, file:// */
  repo: z
    .string()
    .min(1)
    .refine(
      (repo) => !repo.startsWith('-') && !repo.startsWith('ext::'),
      'expected a repository URL (not an option, not an ext:: transport)',
    )
    .refine(
      (repo) => !hasCredentials(repo),
      'the URL holds a password or token: runs are stored and shown, so give the runners credentials through git (a credential helper, --git-credentials) instead',
    ),
  sha: z
    .string()
    .regex(/^[0-9a-fA-F]{7,64}$/, 'expected a commit sha (7 to 64 hex digits)')
    .transform((sha) => sha.toLowerCase()),
  /** The ref the commit was pushed to, as the forge names it: refs/heads/main, refs/tags/v1, refs/pull/7/head. */
  ref: z.string().default(''),
  /** Path of the pipeline file in the repository; default: the first of ferry.yml, .ferry.yml, pipelines/ferry.yml. */
  pipeline: pipelinePath.optional(),
  trigger: z.enum(['push', 'pull_request', 'tag', 'manual', 'cli']).default('manual'),
  /** Labels a runner must have to take the run. */
  labels: z
    .array(
      z
        .string()
        .transform((label) => label.trim().toLowerCase())
        .pipe(z.string().regex(labelPattern, 'expected a label like docker or linux-arm64')),
    )
    .default([])
    .transform(normalizeLabels),
  /**
   * What jobs with `changes:` compare the commit with: a push's `before` sha, a pull request's base (sha, or
   * `refs/heads/<branch>`) with `mergeBase`. Absent (a new branch, a tag, a manual run): such jobs run.
   */
  compare: z
    .strictObject({
      base: z
        .string()
        .regex(/^(?:[0-9a-fA-F]{7,64}|refs\/[^\s:~^?*[\\]+)$/, 'expected a commit sha or a full ref (refs/heads/main)'),
      mergeBase: z.boolean().default(false),
    })
    .optional(),
  /** false for untrusted code (a pull request from a fork): every declared secret resolves to an empty string. */
  secrets: z.boolean().default(true),
  /**
   * For a GitHub or GitLab file: tool → image (`--image` of `ferry serve` or its config's `images:`); the runner's
   * own `--image` mappings win over these.
   */
  images: z.record(z.string().min(1).max(100), z.string().min(1).max(500)).optional(),
});

export type RunRequest = z.output<typeof runRequestSchema>;
export type RunRequestInput = z.input<typeof runRequestSchema>;

/** The BullMQ job's data. `v` lets a newer runner read what an older producer queued. */
export const runJobDataSchema = z.object({
  v: z.literal(1),
  request: runRequestSchema,
  enqueuedAt: z.number(),
});

export type RunJobData = z.output<typeof runJobDataSchema>;

/** Validates a request; every problem is a line `field: message`. */
export function parseRunRequest(input: unknown): { ok: true; request: RunRequest } | { ok: false; problems: string[] } {
  const parsed = runRequestSchema.safeParse(input);
  if (parsed.success) return { ok: true, request: parsed.data };
  return {
    ok: false,
    problems: parsed.error.issues.map((issue) => `${issue.path.join('.') || 'request'}: ${issue.message}`),
  };
}
