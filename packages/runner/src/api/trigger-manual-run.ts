import { FerryError } from '@ferry/engine';
import { z } from 'zod';
import type { EnqueueResult } from '../queue/enqueue-run.js';
import { labelPattern } from '../queue/names.js';
import type { RunRequestInput } from '../queue/run-request.js';
import type { PipelineSource } from '../webhook/pipeline-source.js';
import { withoutCredentials } from '../git/clone-credentials.js';
import { cloneUrlProblem, requestImages, type WebhookSettings } from '../webhook/webhook-settings.js';

/** `POST /api/runs`: a repository (a configured name like `acme/shop`, or a clone URL) at a sha or a ref. */
export const manualRunSchema = z
  .object({
    repo: z.string().min(1),
    sha: z
      .string()
      .regex(/^[0-9a-fA-F]{7,64}$/, 'expected a commit sha (7 to 64 hex digits)')
      .optional(),
    ref: z.string().min(1).optional(),
    pipeline: z
      .string()
      .min(1)
      .max(1024)
      .refine(insideRepository, 'expected a path inside the repository (relative, no .. segment, no backslash)')
      .optional(),
    labels: z.array(z.string().regex(labelPattern, 'expected a label like docker or linux-arm64')).optional(),
    secrets: z.boolean().optional(),
    /** Idempotency key: the same key queues one run. */
    key: z.string().min(1).max(200).optional(),
  })
  .strict()
  .refine((body) => body.sha !== undefined || body.ref !== undefined, {
    message: 'give sha, ref or both',
    path: ['sha'],
  });

export type ManualRunBody = z.output<typeof manualRunSchema>;

export interface ManualRunDeps {
  settings: WebhookSettings;
  pipelines: PipelineSource;
  enqueue(request: RunRequestInput, key: string | undefined): Promise<EnqueueResult>;
}

/**
 * Queues a manual run. With only a ref, the ref is resolved to its commit now. The pipeline at that commit
 * must want manual runs: no `on:`, or an `on:` with `manual`. Throws FerryError API_REQUEST_INVALID (no such
 * ref), API_TRIGGER_REFUSED (no pipeline, or its on: has no manual), WEBHOOK_PIPELINE_UNREADABLE (git).
 */
export async function triggerManualRun(
  deps: ManualRunDeps,
  body: ManualRunBody,
): Promise<EnqueueResult & { sha: string; ref: string; pipeline: string }> {
  const repository = deps.settings.repositories.find((entry) => entry.name.toLowerCase() === body.repo.toLowerCase());
  const cloneUrl = repository?.clone ?? body.repo;
  if (repository === undefined && !looksLikeCloneUrl(body.repo)) {
    throw new FerryError(
      'API_REQUEST_INVALID',
      `repo: "${body.repo}" is neither a repository in the config file nor a clone URL`,
    );
  }
  const unsafe = cloneUrlProblem(deps.settings, repository, cloneUrl);
  if (unsafe !== undefined) throw new FerryError('API_REQUEST_INVALID', `repo: ${unsafe}`);
  let sha = body.sha;
  let ref = body.ref ?? '';
  if (body.ref !== undefined) {
    const resolved = await deps.pipelines.resolveRef(cloneUrl, body.ref);
    if (!resolved && sha === undefined)
      throw new FerryError('API_REQUEST_INVALID', `ref: "${body.ref}" is not a branch or tag of ${body.repo}`);
    if (resolved) {
      ref = resolved.ref;
      sha ??= resolved.sha;
    }
  }
  if (sha === undefined) throw new FerryError('API_REQUEST_INVALID', 'sha: give sha, ref or both');
  const pipeline = await deps.pipelines.read(cloneUrl, sha, body.pipeline ?? repository?.pipeline);
  if (!pipeline) throw new FerryError('API_TRIGGER_REFUSED', `no pipeline file at ${sha.slice(0, 12)} of ${body.repo}`);
  const on = pipeline.spec?.on;
  if (on !== undefined && on.manual === undefined) {
    throw new FerryError(
      'API_TRIGGER_REFUSED',
      `${pipeline.path} at ${sha.slice(0, 12)}: its on: has no manual trigger (add on: { manual: {} })`,
    );
  }
  const result = await deps.enqueue(
    {
      // The record holds no credentials: runners get theirs from their own git configuration.
      repo: withoutCredentials(cloneUrl),
      sha,
      ref,
      pipeline: pipeline.path,
      trigger: 'manual',
      labels: body.labels ?? repository?.labels ?? deps.settings.labels,
      secrets: body.secrets ?? true,
      ...requestImages(deps.settings, repository),
    },
    body.key === undefined ? undefined : `manual-${body.key}`,
  );
  return { ...result, sha, ref, pipeline: pipeline.path };
}

function looksLikeCloneUrl(repo: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(repo) || /^[^/\s]+@[^:\s]+:/.test(repo) || repo.startsWith('/');
}

/** A pipeline path that stays in the repository: relative, no `..` segment, no backslash or control character. */
function insideRepository(path: string): boolean {
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  if (path.startsWith('/') || path.includes('\\') || /[\u0000-\u001f\u007f]/.test(path)) return false;
  return !path.split('/').includes('..');
}
