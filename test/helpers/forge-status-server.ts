import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ForgeKind = 'github' | 'gitlab' | 'gitea';

export interface ReceivedStatus {
  forge: ForgeKind;
  /** The repository as the path names it (`acme/shop`; GitLab's decoded project path). */
  repo: string;
  sha: string;
  body: Record<string, unknown>;
}

/** The documented states of each forge's commit status endpoint. */
const states: Record<ForgeKind, string[]> = {
  github: ['error', 'failure', 'pending', 'success'],
  gitea: ['pending', 'success', 'error', 'failure', 'warning'],
  gitlab: ['pending', 'running', 'success', 'failed', 'canceled'],
};

/**
 * A local forge that implements the commit status endpoints as GitHub (POST /repos/{owner}/{repo}/statuses/{sha},
 * `Authorization: Bearer`, Accept application/vnd.github+json), Gitea (same path, `Authorization: token`) and
 * GitLab (POST /projects/:id/statuses/:sha, `PRIVATE-TOKEN`) document them. It checks the token and the body
 * (401 / 422 as the forges answer), records every accepted status, and can be told to fail the next requests.
 */
export class ForgeStatusServer {
  readonly received: ReceivedStatus[] = [];
  /** Every request, accepted or not, with its answer. */
  readonly requests: { path: string; status: number }[] = [];
  #failures: number[] = [];
  #server: Server | undefined;
  url = '';

  constructor(
    readonly forge: ForgeKind,
    readonly token: string,
  ) {}

  /** The next requests are answered with these statuses, in order. */
  failNext(...statuses: number[]): void {
    this.#failures.push(...statuses);
  }

  async start(port = 0): Promise<string> {
    this.#server = createServer((request, response) => {
      void this.#answer(request).then(({ status, body }) => {
        this.requests.push({ path: request.url ?? '', status });
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => this.#server?.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }

  /** The states the forge has for one commit, in order. */
  statesOf(sha: string): string[] {
    return this.received.filter((r) => r.sha === sha).map((r) => String(r.body.state));
  }

  async #answer(request: IncomingMessage): Promise<{ status: number; body: unknown }> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const failure = this.#failures.shift();
    if (failure !== undefined) return { status: failure, body: { message: `injected ${failure}` } };
    const path = request.url ?? '';
    const match =
      this.forge === 'gitlab'
        ? /^\/projects\/([^/]+)\/statuses\/([0-9a-f]{40})$/.exec(path)
        : /^\/repos\/([^/]+\/[^/]+)\/statuses\/([0-9a-f]{40})$/.exec(path);
    if (request.method !== 'POST' || !match) return { status: 404, body: { message: 'Not Found' } };
    const auth =
      this.forge === 'github'
        ? request.headers.authorization === `Bearer ${this.token}`
        : this.forge === 'gitea'
          ? request.headers.authorization === `token ${this.token}`
          : request.headers['private-token'] === this.token;
    if (!auth) return { status: 401, body: { message: 'Bad credentials' } };
    if (this.forge === 'github' && request.headers.accept !== 'application/vnd.github+json')
      return { status: 415, body: { message: 'expected Accept: application/vnd.github+json' } };
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    } catch {
      return { status: 400, body: { message: 'Problems parsing JSON' } };
    }
    const name = this.forge === 'gitlab' ? body.name : body.context;
    const problems = [
      !states[this.forge].includes(String(body.state)) &&
        `state "${String(body.state)}" is not one of ${states[this.forge].join(', ')}`,
      (typeof name !== 'string' || name === '') && `${this.forge === 'gitlab' ? 'name' : 'context'} is missing`,
      typeof body.description === 'string' && body.description.length > 140 && 'description is over 140 characters',
      body.target_url !== undefined &&
        !(typeof body.target_url === 'string' && /^https?:\/\//.test(body.target_url)) &&
        'target_url is not a URL',
    ].filter(Boolean);
    if (problems.length > 0) return { status: 422, body: { message: problems.join('; ') } };
    this.received.push({ forge: this.forge, repo: decodeURIComponent(match[1] ?? ''), sha: match[2] ?? '', body });
    return { status: 201, body: { id: this.received.length, ...body } };
  }
}
