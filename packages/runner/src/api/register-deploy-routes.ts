import { isFerryError, type ServiceOverview } from '@ferry/engine';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { printable } from '../printable.js';
import { httpStatus, isHttpErrorCode } from '../webhook/http-status.js';
import { authorize, type ApiAuth, type ApiScope } from './bearer-auth.js';

/** The deploy operations of the host `ferry serve` runs on, over its deploy state dir (`deploys.stateDir`). */
export interface DeployApi {
  stateDir: string;
  services(): string[];
  describe(name: string): Promise<ServiceOverview>;
  /** Health-gated; resolves when the rollback ended. Throws DEPLOY_NOT_FOUND, DEPLOY_LOCKED. */
  rollback(name: string, to: number | undefined): Promise<{ status: string; revision?: number; message: string }>;
  /** A request the running canary takes up; throws DEPLOY_INVALID without a canary in progress. */
  canary(name: string, action: 'promote' | 'abort'): { target?: number; step?: number };
}

export interface DeployRoutesDeps {
  deploys: DeployApi | undefined;
  auth: ApiAuth;
  log(line: string): void;
  count(route: string, status: number): void;
}

const rollbackBody = z.strictObject({ to: z.number().int().positive().optional() }).optional();

/**
 * GET /api/services (every deployed service, described), GET /api/services/:name, and with the admin scope
 * POST /api/services/:name/rollback ({ to? }; answered 202 at once, the rollback goes on and its timeline shows
 * it), …/promote and …/abort (the running canary's). Without `deploys.stateDir` in the config they answer 404.
 */
export function registerDeployRoutes(app: FastifyInstance, deps: DeployRoutesDeps): void {
  const send = (reply: FastifyReply, route: string, status: number, body: unknown) => {
    deps.count(route, status);
    return reply.code(status).send(body);
  };
  /** The deploy API when the call may go on; otherwise the reply has been sent. */
  const admit = (request: FastifyRequest, reply: FastifyReply, route: string, scope: ApiScope) => {
    const decision = authorize(deps.auth, request.headers, scope);
    if (!decision.ok) {
      if (decision.status === 401) reply.header('www-authenticate', `Bearer scope="${scope}"`);
      void send(reply, route, decision.status, {
        error: decision.status === 401 ? 'API_UNAUTHORIZED' : 'API_FORBIDDEN',
        message: decision.message,
      });
      return undefined;
    }
    if (!deps.deploys) {
      void send(reply, route, 404, {
        error: 'SERVE_ROUTE_NOT_FOUND',
        message:
          'this server shows no deploys: set deploys.stateDir in its config file (the deploy state dir of this host)',
      });
      return undefined;
    }
    return { api: deps.deploys, caller: decision.token ?? 'public' };
  };
  const failed = (reply: FastifyReply, route: string, error: unknown) => {
    if (isFerryError(error) && isHttpErrorCode(error.code))
      return send(reply, route, httpStatus[error.code], { error: error.code, message: error.message });
    throw error;
  };

  app.get('/api/services', async (request, reply) => {
    const route = 'GET /api/services';
    const allowed = admit(request, reply, route, 'read');
    if (!allowed) return reply;
    const services = await Promise.all(allowed.api.services().map((name) => allowed.api.describe(name)));
    return send(reply, route, 200, { stateDir: allowed.api.stateDir, services });
  });

  app.get<{ Params: { name: string } }>('/api/services/:name', async (request, reply) => {
    const route = 'GET /api/services/:name';
    const allowed = admit(request, reply, route, 'read');
    if (!allowed) return reply;
    try {
      return await send(reply, route, 200, await allowed.api.describe(request.params.name));
    } catch (error) {
      return failed(reply, route, error);
    }
  });

  app.post<{ Params: { name: string } }>('/api/services/:name/rollback', async (request, reply) => {
    const route = 'POST /api/services/:name/rollback';
    const allowed = admit(request, reply, route, 'admin');
    if (!allowed) return reply;
    const body = rollbackBody.safeParse(request.body);
    if (!body.success)
      return send(reply, route, 400, {
        error: 'API_REQUEST_INVALID',
        message: body.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; '),
      });
    const name = request.params.name;
    try {
      // Known before answering: a service never deployed is a 404, not a rollback that fails later.
      await allowed.api.describe(name);
    } catch (error) {
      return failed(reply, route, error);
    }
    deps.log(`api: rollback of ${printable(name)} requested (token ${allowed.caller})`);
    void allowed.api.rollback(name, body.data?.to).then(
      (result) => deps.log(`api: rollback of ${printable(name)}: ${result.status}: ${result.message}`),
      (error: Error) => deps.log(`api: rollback of ${printable(name)} failed: ${error.message}`),
    );
    return send(reply, route, 202, { service: name, accepted: 'rollback' });
  });

  for (const action of ['promote', 'abort'] as const) {
    app.post<{ Params: { name: string } }>(`/api/services/:name/${action}`, async (request, reply) => {
      const route = `POST /api/services/:name/${action}`;
      const allowed = admit(request, reply, route, 'admin');
      if (!allowed) return reply;
      try {
        const journal = allowed.api.canary(request.params.name, action);
        deps.log(`api: ${action} of the canary of ${printable(request.params.name)} (token ${allowed.caller})`);
        return await send(reply, route, 202, { service: request.params.name, accepted: action, ...journal });
      } catch (error) {
        return failed(reply, route, error);
      }
    });
  }
}
