import { isHttpErrorCode, type HttpErrorCode } from '../webhook/http-status.js';
import { isFerryError } from '@ferry/engine';
import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { withoutCredentials } from '../git/clone-credentials.js';
import { printable } from '../printable.js';
import { requestOf } from '../queue/enqueue-run.js';
import type { RunQueue } from '../queue/run-queue.js';
import { listRunArtifacts, readRunArtifact } from '../queue/run-artifacts.js';
import { finalStatuses, isFinalStatus, type RunRecord, type RunRecordStatus } from '../queue/run-record.js';
import type { PipelineSource } from '../webhook/pipeline-source.js';
import type { WebhookSettings } from '../webhook/webhook-settings.js';
import { authorize, type ApiAuth, type ApiScope } from './bearer-auth.js';
import type { RunEventHub } from './run-event-hub.js';
import type { RunListFeed } from './run-list-feed.js';
import { StreamCaps, type StreamLimits } from './stream-caps.js';
import { streamRunList } from './stream-run-list.js';
import { hasEventsAfter, streamIdPattern, streamRunEvents } from './stream-run-events.js';
import { manualRunSchema, triggerManualRun } from './trigger-manual-run.js';

export interface RunRoutesDeps {
  queue: RunQueue;
  /** The connection the queue uses (for reads that are not XREAD BLOCK). */
  redis: Redis;
  /** The shared reader of every event stream. */
  hub: RunEventHub;
  /** The shared subscription to run record changes, behind GET /api/runs/stream. */
  runList: RunListFeed;
  /** How many event streams may be open at once, in all and per client address; idle ones close. */
  streamLimits: StreamLimits;
  pipelines: PipelineSource;
  settings: WebhookSettings;
  auth: ApiAuth;
  log(line: string): void;
  /** Counts each API answer by route and status code. */
  count(route: string, status: number): void;
  streams: { opened(response: ServerResponse): void; closed(response: ServerResponse): void };
}

export { defaultStreamLimits, type StreamLimits } from './stream-caps.js';

const listQuery = z.object({
  repo: z.string().min(1).optional(),
  status: z
    .string()
    .optional()
    .transform((text) =>
      text === undefined
        ? undefined
        : text
            .split(',')
            .map((status) => status.trim())
            .filter(Boolean),
    )
    .pipe(
      z
        .array(z.enum(['queued', 'running', 'retrying', ...finalStatuses] as [RunRecordStatus, ...RunRecordStatus[]]))
        .optional(),
    ),
  limit: z.coerce.number().int().min(1).max(1000).default(50),
});

/**
 * The runs API: GET /api/runs (?repo, ?status, ?limit), GET /api/runs/stream (the same list, then its changes, as SSE), GET /api/runners (live runners, queue depth per label
 * set), GET /api/runs/:id, GET /api/runs/:id/events (SSE),
 * GET /api/runs/:id/artifacts (and …/artifacts/:job, the job's tar archive),
 * POST /api/runs (manual run), POST /api/runs/:id/rerun (the same commit and pipeline again), POST /api/runs/:id/cancel. Each needs a token with its scope (read, trigger, cancel;
 * reads none with public reads). Errors are JSON `{ error, message }`.
 */
export function registerRunRoutes(app: FastifyInstance, deps: RunRoutesDeps): void {
  const caps = new StreamCaps(deps.streamLimits);
  const answer = (reply: FastifyReply, route: string, status: number, body: unknown) => {
    deps.count(route, status);
    return reply.code(status).send(body);
  };
  const refuse = (reply: FastifyReply, route: string, status: number, code: HttpErrorCode, message: string) =>
    answer(reply, route, status, { error: code, message });
  /**
   * The name of the token the call may go on with ('public' for a public read), or undefined when it has been
   * answered 401 (no or unknown token) or 403 (scope missing).
   */
  const guard = (request: FastifyRequest, reply: FastifyReply, route: string, scope: ApiScope): string | undefined => {
    const decision = authorize(deps.auth, request.headers, scope);
    if (decision.ok) return decision.token ?? 'public';
    if (decision.status === 401) reply.header('www-authenticate', `Bearer scope="${scope}"`);
    void refuse(
      reply,
      route,
      decision.status,
      decision.status === 401 ? 'API_UNAUTHORIZED' : 'API_FORBIDDEN',
      decision.message,
    );
    return undefined;
  };
  const failed = (reply: FastifyReply, route: string, error: unknown) => {
    if (isFerryError(error) && isHttpErrorCode(error.code)) {
      const status =
        error.code === 'API_REQUEST_INVALID'
          ? 400
          : error.code === 'API_TRIGGER_REFUSED'
            ? 409
            : error.code === 'API_RUN_NOT_FOUND'
              ? 404
              : 503;
      return refuse(reply, route, status, error.code, error.message);
    }
    if (isFerryError(error) && error.code === 'QUEUE_RUN_NOT_FOUND')
      return refuse(reply, route, 404, 'API_RUN_NOT_FOUND', error.message);
    if (isFerryError(error) && error.code === 'QUEUE_REQUEST_INVALID')
      return refuse(reply, route, 400, 'API_REQUEST_INVALID', error.message);
    return refuse(
      reply,
      route,
      503,
      'WEBHOOK_QUEUE_UNAVAILABLE',
      `the queue did not answer: ${error instanceof Error ? error.message : String(error)}`,
    );
  };

  const matches = (run: RunRecord, { repo, status }: z.output<typeof listQuery>) =>
    (repo === undefined || sameRepo(run, repo, deps.settings)) && (status === undefined || status.includes(run.status));
  const listWanted = async (query: z.output<typeof listQuery>) => {
    const filtered = query.repo !== undefined || query.status !== undefined;
    return (await deps.queue.list({ limit: filtered ? 1000 : query.limit }))
      .filter((run) => matches(run, query))
      .slice(0, query.limit);
  };

  app.get('/api/runs', async (request, reply) => {
    const route = 'GET /api/runs';
    if (guard(request, reply, route, 'read') === undefined) return reply;
    const query = listQuery.safeParse(request.query);
    if (!query.success) return refuse(reply, route, 400, 'API_REQUEST_INVALID', problemsOf(query.error));
    try {
      return answer(reply, route, 200, { runs: await listWanted(query.data) });
    } catch (error) {
      return failed(reply, route, error);
    }
  });

  app.get('/api/runs/stream', async (request, reply) => {
    const route = 'GET /api/runs/stream';
    if (guard(request, reply, route, 'read') === undefined) return reply;
    const query = listQuery.safeParse(request.query);
    if (!query.success) return refuse(reply, route, 400, 'API_REQUEST_INVALID', problemsOf(query.error));
    const admitted = caps.admit(request.ip);
    if (!admitted.ok) return refuse(reply.header('retry-after', '5'), route, 503, 'API_STREAMS_FULL', admitted.message);
    deps.count(route, 200);
    reply.hijack();
    deps.streams.opened(reply.raw);
    try {
      await streamRunList(reply.raw, {
        feed: deps.runList,
        list: () => listWanted(query.data),
        wanted: (run) => matches(run, query.data),
        idleMs: deps.streamLimits.idleMs,
      });
    } finally {
      deps.streams.closed(reply.raw);
      admitted.release();
    }
    return reply;
  });

  app.get('/api/runners', async (request, reply) => {
    const route = 'GET /api/runners';
    if (guard(request, reply, route, 'read') === undefined) return reply;
    try {
      const [runners, queues] = await Promise.all([deps.queue.runners(), deps.queue.depths()]);
      return answer(reply, route, 200, { runners, queues });
    } catch (error) {
      return failed(reply, route, error);
    }
  });

  app.get<{ Params: { id: string } }>('/api/runs/:id', async (request, reply) => {
    const route = 'GET /api/runs/:id';
    if (guard(request, reply, route, 'read') === undefined) return reply;
    try {
      const run = await deps.queue.get(request.params.id);
      if (!run)
        return refuse(
          reply,
          route,
          404,
          'API_RUN_NOT_FOUND',
          `no run "${request.params.id}" (finished runs are kept for 7 days)`,
        );
      return answer(reply, route, 200, run);
    } catch (error) {
      return failed(reply, route, error);
    }
  });

  app.get<{ Params: { id: string }; Querystring: { after?: string } }>(
    '/api/runs/:id/events',
    async (request, reply) => {
      const route = 'GET /api/runs/:id/events';
      if (guard(request, reply, route, 'read') === undefined) return reply;
      const lastEventId = request.headers['last-event-id'];
      const after = (typeof lastEventId === 'string' ? lastEventId : undefined) ?? request.query.after ?? '0';
      if (!streamIdPattern.test(after))
        return refuse(
          reply,
          route,
          400,
          'API_REQUEST_INVALID',
          `Last-Event-ID / after: "${after}" is not an event id (like 1700000000000-0)`,
        );
      let run: RunRecord | undefined;
      try {
        run = await deps.queue.get(request.params.id);
        if (!run)
          return refuse(
            reply,
            route,
            404,
            'API_RUN_NOT_FOUND',
            `no run "${request.params.id}" (finished runs are kept for 7 days)`,
          );
        // A client reconnecting after the last event of a finished run: 204 tells EventSource to stop.
        if (after !== '0' && isFinalStatus(run.status) && !(await hasEventsAfter(deps.redis, run.id, after)))
          return answer(reply, route, 204, undefined);
      } catch (error) {
        return failed(reply, route, error);
      }
      const admitted = caps.admit(request.ip);
      if (!admitted.ok)
        return refuse(reply.header('retry-after', '5'), route, 503, 'API_STREAMS_FULL', admitted.message);
      deps.count(route, 200);
      reply.hijack();
      deps.streams.opened(reply.raw);
      try {
        await streamRunEvents(reply.raw, run.id, {
          after,
          hub: deps.hub,
          redis: deps.redis,
          idleMs: deps.streamLimits.idleMs,
        });
      } finally {
        deps.streams.closed(reply.raw);
        admitted.release();
      }
      return reply;
    },
  );

  app.post('/api/runs', async (request, reply) => {
    const route = 'POST /api/runs';
    const caller = guard(request, reply, route, 'trigger');
    if (caller === undefined) return reply;
    const body = manualRunSchema.safeParse(request.body ?? {});
    if (!body.success) return refuse(reply, route, 400, 'API_REQUEST_INVALID', problemsOf(body.error));
    try {
      const result = await triggerManualRun(
        {
          settings: deps.settings,
          pipelines: deps.pipelines,
          enqueue: (runRequest, key) => deps.queue.enqueue(runRequest, key === undefined ? {} : { key }),
        },
        body.data,
      );
      deps.log(
        `api: manual run ${result.runId} of ${printable(body.data.repo)} ${printable(result.ref) || result.sha.slice(0, 12)} ${result.created ? 'queued' : '(already queued with that key)'} (token ${caller})`,
      );
      return answer(reply, route, 202, {
        runId: result.runId,
        status: result.status,
        duplicate: !result.created,
        sha: result.sha,
        ref: result.ref,
        pipeline: result.pipeline,
      });
    } catch (error) {
      return failed(reply, route, error);
    }
  });

  app.post<{ Params: { id: string } }>('/api/runs/:id/rerun', async (request, reply) => {
    const route = 'POST /api/runs/:id/rerun';
    const caller = guard(request, reply, route, 'trigger');
    if (caller === undefined) return reply;
    try {
      const run = await deps.queue.get(request.params.id);
      if (!run) return refuse(reply, route, 404, 'API_RUN_NOT_FOUND', notFound(request.params.id));
      // The same commit, pipeline, trigger, labels and secrets policy (a fork's run stays without secrets).
      const result = await deps.queue.enqueue(requestOf(run));
      deps.log(`api: run ${result.runId} re-runs ${run.id} (token ${caller})`);
      return answer(reply, route, 202, { runId: result.runId, status: result.status, rerunOf: run.id });
    } catch (error) {
      return failed(reply, route, error);
    }
  });

  app.get<{ Params: { id: string } }>('/api/runs/:id/artifacts', async (request, reply) => {
    const route = 'GET /api/runs/:id/artifacts';
    if (guard(request, reply, route, 'read') === undefined) return reply;
    try {
      const run = await deps.queue.get(request.params.id);
      if (!run) return refuse(reply, route, 404, 'API_RUN_NOT_FOUND', notFound(request.params.id));
      return answer(reply, route, 200, { runId: run.id, artifacts: await listRunArtifacts(deps.redis, run.id) });
    } catch (error) {
      return failed(reply, route, error);
    }
  });

  app.get<{ Params: { id: string; job: string } }>('/api/runs/:id/artifacts/:job', async (request, reply) => {
    const route = 'GET /api/runs/:id/artifacts/:job';
    if (guard(request, reply, route, 'read') === undefined) return reply;
    try {
      const archive = await readRunArtifact(deps.redis, request.params.id, request.params.job);
      if (!archive)
        return refuse(
          reply,
          route,
          404,
          'API_RUN_NOT_FOUND',
          `run "${request.params.id}" has no artifacts of job "${request.params.job}" (GET /api/runs/${request.params.id}/artifacts lists them)`,
        );
      const file = `${request.params.id}-${request.params.job}.tar`.replace(/[^\w.-]+/g, '_');
      deps.count(route, 200);
      return await reply
        .header('content-type', 'application/x-tar')
        .header('content-disposition', `attachment; filename="${file}"`)
        .send(archive);
    } catch (error) {
      return failed(reply, route, error);
    }
  });

  app.post<{ Params: { id: string } }>('/api/runs/:id/cancel', async (request, reply) => {
    const route = 'POST /api/runs/:id/cancel';
    const caller = guard(request, reply, route, 'cancel');
    if (caller === undefined) return reply;
    try {
      const result = await deps.queue.cancel(request.params.id);
      deps.log(`api: cancel ${printable(request.params.id)}: ${result.outcome} (token ${caller})`);
      return answer(reply, route, 200, { runId: request.params.id, ...result });
    } catch (error) {
      return failed(reply, route, error);
    }
  });
}

/** A run is of `repo` when its clone URL is it, ends in it (`…/acme/shop(.git)`), or is the clone URL configured for it. */
function sameRepo(run: RunRecord, repo: string, settings: WebhookSettings): boolean {
  const wanted = repo.toLowerCase().replace(/\.git$/, '');
  const url = run.repo
    .toLowerCase()
    .replace(/\/+$/, '')
    .replace(/\.git$/, '');
  if (url === wanted || url.endsWith(`/${wanted}`) || url.endsWith(`:${wanted}`)) return true;
  return settings.repositories.some(
    (entry) =>
      entry.name.toLowerCase() === repo.toLowerCase() &&
      entry.clone !== undefined &&
      withoutCredentials(entry.clone) === run.repo,
  );
}

const notFound = (id: string) => `no run "${id}" (finished runs are kept for 7 days)`;

function problemsOf(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; ');
}
