import { isHttpErrorCode, type HttpErrorCode } from './http-status.js';
import { isFerryError } from '@ferry/engine';
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { EnqueueResult } from '../queue/enqueue-run.js';
import type { RunRequestInput } from '../queue/run-request.js';
import { withoutCredentials } from '../git/clone-credentials.js';
import { printable } from '../printable.js';
import { checkRefName } from './check-ref-name.js';
import type { ForgeAdapter } from './forge-adapters.js';
import { matchTriggers, needsPaths } from './match-triggers.js';
import type { PipelineSource } from './pipeline-source.js';
import type { Trigger } from './trigger.js';
import {
  cloneUrlProblem,
  findRepository,
  findRepositoryByCloneUrl,
  requestImages,
  type WebhookSettings,
} from './webhook-settings.js';

/** How a delivery ended, for metrics and the log: one value per delivery. */
export type DeliveryOutcome =
  'queued' | 'duplicate' | 'ignored' | 'ping' | 'unauthorized' | 'malformed' | 'too_large' | 'unavailable';

export interface DeliveryAnswer {
  statusCode: number;
  body: Record<string, unknown>;
  outcome: DeliveryOutcome;
  /** What the log line says about it (never a secret, a header or the payload). */
  summary: string;
}

export interface DeliveryRequest {
  headers: IncomingHttpHeaders;
  /** The raw body, exactly as signed. */
  body: Buffer | undefined;
}

export interface DeliveryDeps {
  settings: WebhookSettings;
  pipelines: PipelineSource;
  /** Queues a run; the same key queues one run however often it comes (a redelivery). */
  enqueue(request: RunRequestInput, key: string): Promise<EnqueueResult>;
  /** Told of each new run, with the delivery it came from (the commit statuses follow it); never throws. */
  queued?(runId: string, trigger: Trigger, pipeline: string): Promise<void>;
}

/**
 * A forge's delivery → 202 with the run id (or with `ignored` and the reason), 200 for a ping, or an error:
 * 400 not JSON, 401 no secret / bad signature, 503 git or Redis unreachable (nothing queued: the forge shows
 * the delivery failed and it can be redelivered; the delivery id makes that safe).
 *
 * Order: parse (to find the repository and its secret) → verify → event → pipeline at the sha → `on:` filter →
 * enqueue with the forge's delivery id as idempotency key. The signature is checked before anything but the
 * parse acts on the payload; the body size was bounded by the HTTP layer before it was read.
 */
export async function handleDelivery(
  deps: DeliveryDeps,
  adapter: ForgeAdapter,
  request: DeliveryRequest,
): Promise<DeliveryAnswer> {
  const forge = adapter.forge;
  const delivery = adapter.deliveryId(request.headers);
  const tag = `${forge} delivery ${printable(delivery ?? '(no id)')}`;
  const body = request.body ?? Buffer.alloc(0);
  if (body.length === 0)
    return fail(400, 'WEBHOOK_MALFORMED', 'the body is empty; expected the JSON payload', 'malformed', tag);

  const payload = decodePayload(body, request.headers['content-type']);
  if (payload === undefined) return fail(400, 'WEBHOOK_MALFORMED', 'the body is not JSON', 'malformed', tag);

  const repoName = adapter.repoName(payload);
  const repository = findRepository(deps.settings, forge, repoName);
  const secret = repository?.secret ?? deps.settings.defaultSecrets[forge];
  // Read before the signature is checked: whoever sent it chose it, so it is made safe to print.
  const shownRepo = printable(repoName ?? '(none)');
  if (secret === undefined) {
    return fail(
      401,
      'WEBHOOK_UNAUTHORIZED',
      `no ${forge} secret for repository "${shownRepo}": add it to the config file, or set a default secret`,
      'unauthorized',
      `${tag} ${shownRepo}`,
    );
  }
  if (!adapter.verify(body, request.headers, secret)) {
    const header = adapter.headers.signature[0] ?? 'signature';
    const sent = adapter.headers.signature.some((name) => request.headers[name] !== undefined);
    const message = sent
      ? `the ${header} header does not match the body and the secret for "${shownRepo}"`
      : `the ${header} header is missing`;
    return fail(401, 'WEBHOOK_UNAUTHORIZED', message, 'unauthorized', `${tag} ${shownRepo}`);
  }

  const event = adapter.event(request.headers);
  if (event === undefined)
    return fail(400, 'WEBHOOK_MALFORMED', `the ${adapter.headers.event[0]} header is missing`, 'malformed', tag);
  const parsed = adapter.parse(event, payload);
  const about = `${tag} ${shownRepo} ${printable(event)}`;
  switch (parsed.kind) {
    case 'ping':
      return {
        statusCode: 200,
        body: { ok: true, pong: true, ...(parsed.message ? { zen: parsed.message } : {}) },
        outcome: 'ping',
        summary: `${about}: pong`,
      };
    case 'ignored':
      return ignored(parsed.reason, about);
    case 'malformed':
      return fail(
        400,
        'WEBHOOK_MALFORMED',
        `the ${event} payload is not as ${forge} sends it: ${parsed.problems.slice(0, 5).join('; ')}`,
        'malformed',
        about,
      );
    case 'trigger':
      break;
  }

  // The payload names its repository twice more (its parsed name, its clone URL): each must be the entry whose
  // secret was checked, or a delivery signed with the default secret could run a repository that has its own.
  for (const other of [
    findRepository(deps.settings, forge, parsed.trigger.repo),
    parsed.trigger.cloneUrl === ''
      ? undefined
      : findRepositoryByCloneUrl(deps.settings, forge, parsed.trigger.cloneUrl),
  ]) {
    if (other !== undefined && other !== repository)
      return fail(
        401,
        'WEBHOOK_UNAUTHORIZED',
        `the payload names repository "${shownRepo}" but also "${printable(other.name)}", which is configured apart: not accepted`,
        'unauthorized',
        about,
      );
  }
  const trigger: Trigger = { ...parsed.trigger, cloneUrl: repository?.clone ?? parsed.trigger.cloneUrl };
  const badRef = [trigger.ref, trigger.branch !== undefined ? `refs/heads/${trigger.branch}` : undefined]
    .map((ref) => (ref === undefined ? undefined : checkRefName(ref)))
    .find((problem) => problem !== undefined);
  if (badRef !== undefined) return fail(400, 'WEBHOOK_MALFORMED', badRef, 'malformed', about);
  const where = `${about} ${printable(trigger.ref)}@${trigger.sha.slice(0, 12)}`;
  if (trigger.cloneUrl === '')
    return fail(
      400,
      'WEBHOOK_MALFORMED',
      'no clone URL: the payload has none and the config file gives the repository none',
      'malformed',
      where,
    );
  const unsafe = cloneUrlProblem(deps.settings, repository, trigger.cloneUrl);
  if (unsafe !== undefined) return fail(400, 'WEBHOOK_MALFORMED', unsafe, 'malformed', where);
  try {
    const pipeline = await deps.pipelines.read(trigger.cloneUrl, trigger.sha, repository?.pipeline);
    if (!pipeline) {
      const looked = repository?.pipeline ?? 'ferry.yml, .ferry.yml or pipelines/ferry.yml';
      return ignored(`no pipeline file at ${trigger.sha.slice(0, 12)} (looked for ${looked})`, where);
    }
    let note: string | undefined;
    let runTrigger: 'push' | 'tag' | 'pull_request' = trigger.event;
    if (pipeline.spec) {
      const paths =
        trigger.paths ??
        (needsPaths(pipeline.spec.on, trigger) ? await changedPaths(deps.pipelines, trigger) : undefined);
      const decision = matchTriggers(pipeline.spec.on, trigger, paths);
      if (!decision.run) return ignored(`${pipeline.path}: ${decision.reason}`, where);
      runTrigger = decision.trigger;
      note = decision.note;
    } else {
      // The on: filter cannot be read; queue it anyway so that the run fails where everyone sees why.
      note = `${pipeline.path} does not validate (${pipeline.issues.length} issue${pipeline.issues.length === 1 ? '' : 's'}); queued so that the run reports them`;
    }
    const key = `${forge}-${delivery ?? `body-${createHash('sha256').update(body).digest('hex').slice(0, 32)}`}`;
    const result = await deps.enqueue(
      {
        // The record holds no credentials: runners get theirs from their own git configuration.
        repo: withoutCredentials(trigger.cloneUrl),
        sha: trigger.sha,
        ref: trigger.ref,
        pipeline: pipeline.path,
        trigger: runTrigger,
        ...compareOf(trigger),
        labels: repository?.labels ?? deps.settings.labels,
        // Code from a fork must not see the secrets (nor could it be trusted with them).
        secrets: !trigger.fork,
        ...requestImages(deps.settings, repository),
      },
      key,
    );
    if (result.created) await deps.queued?.(result.runId, trigger, pipeline.path);
    const answer = {
      runId: result.runId,
      status: result.status,
      duplicate: !result.created,
      trigger: runTrigger,
      repo: trigger.repo,
      sha: trigger.sha,
      ref: trigger.ref,
      secrets: !trigger.fork,
      ...(note !== undefined ? { note } : {}),
    };
    const outcome = result.created ? 'queued' : 'duplicate';
    return {
      statusCode: 202,
      body: answer,
      outcome,
      summary: `${where}: ${result.created ? 'queued' : 'already queued as'} run ${result.runId}${trigger.fork ? ' (fork: no secrets)' : ''}${note ? ` (${note})` : ''}`,
    };
  } catch (error) {
    if (isFerryError(error) && isHttpErrorCode(error.code))
      return fail(503, error.code, error.message, 'unavailable', where);
    if (isFerryError(error) && error.code === 'QUEUE_REQUEST_INVALID')
      return fail(400, 'WEBHOOK_MALFORMED', error.message, 'malformed', where);
    const message = error instanceof Error ? error.message : String(error);
    return fail(503, 'WEBHOOK_QUEUE_UNAVAILABLE', `could not queue the run: ${message}`, 'unavailable', where);
  }
}

/** The paths of the change when the payload did not list them all; undefined when git cannot tell either. */
async function changedPaths(pipelines: PipelineSource, trigger: Trigger): Promise<string[] | undefined> {
  try {
    if (trigger.event === 'push' && trigger.before !== undefined)
      return await pipelines.changedPaths(trigger.cloneUrl, trigger.before, trigger.sha);
    if (trigger.event === 'pull_request' && trigger.pullRequest) {
      const base = trigger.pullRequest.baseSha ?? `refs/heads/${trigger.pullRequest.baseBranch}`;
      return await pipelines.changedPaths(trigger.cloneUrl, base, trigger.sha, { mergeBase: true });
    }
  } catch {
    // Unknown paths let the run through: better a run too many than a change never built.
  }
  return undefined;
}

/** What the run's jobs with `changes:` compare against: the push's before, the pull request's base (from their merge base). */
function compareOf(trigger: Trigger): Pick<RunRequestInput, 'compare'> {
  if (trigger.event === 'push' && trigger.before !== undefined) return { compare: { base: trigger.before } };
  if (trigger.event === 'pull_request' && trigger.pullRequest) {
    const base = trigger.pullRequest.baseSha ?? `refs/heads/${trigger.pullRequest.baseBranch}`;
    return { compare: { base, mergeBase: true } };
  }
  return {};
}

/** JSON, or GitHub's form encoding (`payload=<urlencoded JSON>`); undefined when it is neither. */
function decodePayload(body: Buffer, contentType: string | undefined): unknown {
  let text = body.toString('utf8');
  if (contentType?.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    const form = new URLSearchParams(text).get('payload');
    if (form === null) return undefined;
    text = form;
  }
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function ignored(reason: string, about: string): DeliveryAnswer {
  return {
    statusCode: 202,
    body: { ignored: true, reason },
    outcome: 'ignored',
    summary: `${about}: ignored: ${reason}`,
  };
}

function fail(
  statusCode: number,
  code: HttpErrorCode,
  message: string,
  outcome: DeliveryOutcome,
  about: string,
): DeliveryAnswer {
  return {
    statusCode,
    body: { error: code, message },
    outcome,
    summary: `${about}: ${statusCode} ${code}: ${message}`,
  };
}
