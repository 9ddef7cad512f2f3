import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { authorize, tokenCookie, type ApiAuth } from '../api/bearer-auth.js';

/** packages/web/dist, built by `npm run build` (vite); the same path from src/ and from dist/. */
export const webDist = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

const types: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
};

/**
 * The web page under `/`: the single-page app's index for its routes (/, /runs/<id>, /runners, /deploys, /deploys/<name>, /login), its assets, and
 * POST /login, which checks a token like any API call and keeps it in an HttpOnly, SameSite=Strict cookie.
 */
export function registerWebPage(app: FastifyInstance, auth: ApiAuth, log: (line: string) => void): void {
  const index = existsSync(`${webDist}index.html`) ? readFileSync(`${webDist}index.html`, 'utf8') : undefined;
  const page = (_request: unknown, reply: FastifyReply) =>
    index === undefined
      ? reply.code(404).send({ error: 'SERVE_ROUTE_NOT_FOUND', message: 'the web page is not built (npm run build)' })
      : reply.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-cache').send(index);
  app.get('/', page);
  app.get('/login', page);
  app.get('/runs/:id', page);
  app.get('/runners', page);
  app.get('/deploys', page);
  app.get('/deploys/:name', page);
  app.get<{ Params: { file: string } }>('/assets/:file', async (request, reply) => {
    const file = request.params.file;
    const type = types[file.split('.').pop() ?? ''];
    if (!/^[\w.-]+$/.test(file) || type === undefined)
      return reply.code(404).send({ error: 'SERVE_ROUTE_NOT_FOUND', message: `no asset ${file}` });
    try {
      const body = await readFile(`${webDist}assets/${file}`);
      return await reply
        .header('content-type', type)
        .header('cache-control', 'public, max-age=31536000, immutable')
        .send(body);
    } catch {
      return reply.code(404).send({ error: 'SERVE_ROUTE_NOT_FOUND', message: `no asset ${file}` });
    }
  });
  app.post<{ Body: { token?: unknown } | undefined }>('/login', async (request, reply) => {
    const token = typeof request.body?.token === 'string' ? request.body.token.trim() : '';
    const decision = token
      ? authorize({ ...auth, publicReads: false }, { authorization: `Bearer ${token}` }, 'read')
      : { ok: false as const, status: 401 as const, message: 'expected a token' };
    if (!decision.ok) {
      log(`web login refused: ${decision.message}`);
      return reply
        .code(decision.status)
        .send({ error: decision.status === 401 ? 'API_UNAUTHORIZED' : 'API_FORBIDDEN', message: decision.message });
    }
    log(`web login: token ${decision.token ?? '?'}`);
    return reply
      .header(
        'set-cookie',
        `${tokenCookie}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/; Max-Age=2592000`,
      )
      .send({ ok: true, token: decision.token });
  });
  app.post('/logout', async (_request, reply) =>
    reply.header('set-cookie', `${tokenCookie}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`).send({ ok: true }),
  );
}
