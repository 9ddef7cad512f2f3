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

export interface CheckRunRecord {
  repo: string;
  name: string;
  headSha: string;
  /** `queued`, `in_progress`, `completed/success`…, one per accepted request. */
  states: string[];
  bodies: Record<string, unknown>[];
}

const checkStatuses = ['queued', 'in_progress', 'completed', 'waiting', 'requested', 'pending'];
const checkConclusions = [
  'action_required',
  'cancelled',
  'failure',
  'neutral',
  'success',
  'skipped',
  'stale',
  'timed_out',
];

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
  /** GitHub's check runs by id: what created them, and each state they went through. */
  readonly checkRuns = new Map<number, CheckRunRecord>();
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

  /** The check runs of one commit, each as the list of its states. */
  checkStatesOf(sha: string): string[][] {
    return [...this.checkRuns.values()].filter((run) => run.headSha === sha).map((run) => run.states);
  }

  /**
   * POST /repos/{owner}/{repo}/check-runs (name, head_sha required) and PATCH …/check-runs/{id}, as GitHub's
   * Checks API documents them: a status of its list, a conclusion of its list exactly when completed, an http(s)
   * details_url, an output with a title and a summary. 201 / 200 with the check run's id.
   */
  #checkRun(request: IncomingMessage, repo: string, id: string | undefined, raw: Buffer) {
    if (request.headers.authorization !== `Bearer ${this.token}`)
      return { status: 401, body: { message: 'Bad credentials' } };
    if (request.headers.accept !== 'application/vnd.github+json')
      return { status: 415, body: { message: 'expected Accept: application/vnd.github+json' } };
    if ((id === undefined) !== (request.method === 'POST') || (id !== undefined && request.method !== 'PATCH'))
      return { status: 404, body: { message: 'Not Found' } };
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
    } catch {
      return { status: 400, body: { message: 'Problems parsing JSON' } };
    }
    const existing = id === undefined ? undefined : this.checkRuns.get(Number(id));
    if (id !== undefined && !existing) return { status: 404, body: { message: 'Not Found' } };
    const status = typeof body.status === 'string' ? body.status : 'queued';
    const output = body.output as Record<string, unknown> | undefined;
    const problems = [
      id === undefined && (typeof body.name !== 'string' || body.name === '') && 'name is missing',
      id === undefined && !/^[0-9a-f]{40}$/.test(String(body.head_sha)) && 'head_sha is not a commit sha',
      !checkStatuses.includes(status) && `status "${status}" is not one of ${checkStatuses.join(', ')}`,
      status === 'completed' &&
        !checkConclusions.includes(String(body.conclusion)) &&
        `a completed check run needs a conclusion of ${checkConclusions.join(', ')}`,
      status !== 'completed' && body.conclusion !== undefined && 'a conclusion marks the check run completed',
      body.details_url !== undefined &&
        !(typeof body.details_url === 'string' && /^https?:\/\//.test(body.details_url)) &&
        'details_url is not a URL',
      output !== undefined &&
        (typeof output.title !== 'string' || typeof output.summary !== 'string') &&
        'output needs a title and a summary',
    ].filter(Boolean);
    if (problems.length > 0) return { status: 422, body: { message: problems.join('; ') } };
    const state = status === 'completed' ? `completed/${String(body.conclusion)}` : status;
    const run = existing ?? {
      repo,
      name: String(body.name),
      headSha: String(body.head_sha),
      states: [],
      bodies: [],
    };
    run.states.push(state);
    run.bodies.push(body);
    const runId = existing ? Number(id) : this.checkRuns.size + 1;
    this.checkRuns.set(runId, run);
    return { status: id === undefined ? 201 : 200, body: { id: runId, head_sha: run.headSha, name: run.name, status } };
  }

  async #answer(request: IncomingMessage): Promise<{ status: number; body: unknown }> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const failure = this.#failures.shift();
    if (failure !== undefined) return { status: failure, body: { message: `injected ${failure}` } };
    const path = request.url ?? '';
    const check = this.forge === 'github' ? /^\/repos\/([^/]+\/[^/]+)\/check-runs(?:\/(\d+))?$/.exec(path) : null;
    if (check) return this.#checkRun(request, check[1] ?? '', check[2], Buffer.concat(chunks));
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
