import type { ServerResponse } from 'node:http';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { defaultStreamLimits, registerRunRoutes, type StreamLimits } from '../api/register-run-routes.js';
import { RunEventHub } from '../api/run-event-hub.js';
import { registerDeployRoutes, type DeployApi } from '../api/register-deploy-routes.js';
import { RunListFeed } from '../api/run-list-feed.js';
import type { ApiAuth } from '../api/bearer-auth.js';
import type { RunQueue } from '../queue/run-queue.js';
import { forgeAdapters } from '../webhook/forge-adapters.js';
import { handleDelivery } from '../webhook/handle-delivery.js';
import type { PipelineSource } from '../webhook/pipeline-source.js';
import { forges } from '../webhook/trigger.js';
import type { WebhookSettings } from '../webhook/webhook-settings.js';
import { statusForges, type StatusForge } from '../status/commit-status.js';
import type { StatusReporter } from '../status/status-reporter.js';
import type { ServeMetrics } from './serve-metrics.js';
import { registerWebPage } from './web-page.js';

export interface ServeAppDeps {
  /** The queue's connection (commands fail rather than wait long while Redis is away: the forge is told 503). */
  redis: Redis;
  queue: RunQueue;
  /** A new connection for the one XREAD BLOCK that every SSE stream shares, and one for the runs list's SUBSCRIBE; the app closes them. */
  blocking: () => Redis;
  pipelines: PipelineSource;
  metrics: ServeMetrics;
  /** One line per delivery and per API write; never secrets, tokens, headers or payloads. */
  log: (line: string) => void;
  /** Reports commit statuses of the runs deliveries start; none = no statuses. */
  statuses?: StatusReporter;
  /** The deploys of this host (config `deploys.stateDir`); none = the deploy routes answer 404. */
  deploys?: DeployApi;
}

export interface ServeAppConfig {
  settings: WebhookSettings;
  /** Largest webhook body accepted, in bytes; a larger one is answered 413 before it is read. */
  bodyLimit: number;
  api: ApiAuth;
  /** Event streams at once (in all, per client address) and how long an idle one stays; defaults apply. */
  streams?: Partial<StreamLimits>;
}

const HOOK_ROUTE = /^\/hooks\//;

/**
 * The `ferry serve` HTTP app: POST /hooks/{github,gitlab,gitea,generic}, the runs API (/api/runs…), GET /healthz
 * and GET /metrics. The caller listens and closes it; it closes none of the connections it was given.
 */
export async function createServeApp(deps: ServeAppDeps, config: ServeAppConfig): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    // Webhook bodies are limited per route; API bodies are small.
    bodyLimit: 1024 * 1024,
    // A client that trickles its body (or never sends it) is cut off.
    requestTimeout: 60_000,
    connectionTimeout: 0,
    keepAliveTimeout: 10_000,
    return503OnClosing: true,
  });

  // API bodies are JSON; an empty one (a bare POST …/cancel with a JSON content type) is no body, not an error.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(Object.assign(new Error('the body is not JSON'), { statusCode: 400 }), undefined);
    }
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const hook = HOOK_ROUTE.test(request.url);
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      const forge = request.url.split('/')[2] ?? 'unknown';
      if (hook && (forges as readonly string[]).includes(forge)) {
        deps.metrics.deliveries.inc({ forge, outcome: 'too_large' });
        deps.log(
          `${forge} delivery ${String(request.headers[forgeAdapters[forge as keyof typeof forgeAdapters].headers.delivery[0] ?? ''] ?? '(no id)')}: 413 body over ${config.bodyLimit} bytes`,
        );
      }
      // Close the connection: otherwise Node would read (and discard) the rest of the body to keep it alive.
      return reply
        .code(413)
        .header('connection', 'close')
        .send({
          error: hook ? 'WEBHOOK_BODY_TOO_LARGE' : 'API_REQUEST_INVALID',
          message: `the body is over the limit of ${config.bodyLimit} bytes`,
        });
    }
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      return reply
        .code(error.statusCode)
        .send({ error: hook ? 'WEBHOOK_MALFORMED' : 'API_REQUEST_INVALID', message: error.message });
    }
    deps.log(`internal error on ${request.method} ${request.url.split('?')[0]}: ${error.stack ?? error.message}`);
    return reply
      .code(500)
      .send({ error: 'SERVE_INTERNAL', message: 'ferry serve failed on this request; its log has the details' });
  });

  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({
      error: 'SERVE_ROUTE_NOT_FOUND',
      message: `no route ${request.method} ${request.url.split('?')[0]}: POST /hooks/{github,gitlab,gitea,generic}, /api/runs, /healthz, /metrics`,
    }),
  );

  await app.register((hooks) => {
    // The raw body, exactly as signed, whatever the content type: signatures are over the bytes.
    hooks.removeAllContentTypeParsers();
    hooks.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: config.bodyLimit }, (_request, body, done) =>
      done(null, body),
    );
    for (const forge of forges) {
      const adapter = forgeAdapters[forge];
      hooks.post(`/hooks/${forge}`, { bodyLimit: config.bodyLimit }, async (request, reply) => {
        const end = deps.metrics.deliveryDuration.startTimer({ forge });
        const result = await handleDelivery(
          {
            settings: config.settings,
            pipelines: deps.pipelines,
            enqueue: (runRequest, key) => deps.queue.enqueue(runRequest, { key }),
            queued: async (runId, trigger, pipeline) => {
              if (!deps.statuses || !(statusForges as readonly string[]).includes(trigger.forge)) return;
              const forge = trigger.forge as StatusForge;
              await deps.statuses
                .track(runId, { forge, repo: trigger.repo, sha: trigger.sha, pipeline })
                .catch((error: Error) =>
                  deps.log(`run ${runId}: its commit statuses cannot be followed: ${error.message}`),
                );
            },
          },
          adapter,
          { headers: request.headers, body: Buffer.isBuffer(request.body) ? request.body : undefined },
        );
        end({ outcome: result.outcome });
        deps.metrics.deliveries.inc({ forge, outcome: result.outcome });
        deps.log(result.summary);
        return reply.code(result.statusCode).send(result.body);
      });
    }
    return Promise.resolve();
  });

  // Event streams never end by themselves while their run goes on: close() ends them, so that it can finish.
  const streams = new Set<ServerResponse>();
  const hub = new RunEventHub(deps.redis, deps.blocking);
  const runList = new RunListFeed(deps.redis, deps.blocking);
  app.addHook('preClose', () => {
    for (const stream of streams) stream.end();
    hub.close();
    runList.close();
    return Promise.resolve();
  });

  registerRunRoutes(app, {
    queue: deps.queue,
    redis: deps.redis,
    hub,
    runList,
    streamLimits: { ...defaultStreamLimits, ...config.streams },
    pipelines: deps.pipelines,
    settings: config.settings,
    auth: config.api,
    log: deps.log,
    count: (route, status) => deps.metrics.apiRequests.inc({ route, status: String(status) }),
    streams: {
      opened: (response) => {
        streams.add(response);
        deps.metrics.eventStreams.inc();
      },
      closed: (response) => {
        streams.delete(response);
        deps.metrics.eventStreams.dec();
      },
    },
  });

  registerDeployRoutes(app, {
    deploys: deps.deploys,
    auth: config.api,
    log: deps.log,
    count: (route, status) => deps.metrics.apiRequests.inc({ route, status: String(status) }),
  });

  registerWebPage(app, config.api, deps.log);

  app.get('/healthz', async (_request, reply) => {
    const redis = await Promise.race([
      deps.redis.ping().then(
        () => 'up' as const,
        () => 'down' as const,
      ),
      new Promise<'down'>((resolve) => setTimeout(() => resolve('down'), 1000).unref()),
    ]);
    return reply
      .code(redis === 'up' ? 200 : 503)
      .send({ ok: redis === 'up', redis, hooks: forges.map((forge) => `/hooks/${forge}`) });
  });

  app.get('/metrics', async (_request, reply) => {
    const text = await deps.metrics.registry.metrics();
    return reply.header('content-type', deps.metrics.registry.contentType).send(text);
  });

  return app;
}
