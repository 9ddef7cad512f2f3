import { request as httpRequest } from 'node:http';
import { FerryError, isFerryError } from '../errors.js';
import type { BackendInput, ServiceInput } from './admin-schemas.js';
import type { BackendView, DrainResult, PoolName, ServiceStats, ServiceView } from './proxy-types.js';

export interface ProxyClientOptions {
  /** The admin API, e.g. http://127.0.0.1:7100 (proxy.json's adminUrl). */
  url: string;
  token: string;
  /** Per call, except drains (they last up to the drain timeout). Default 10 s. */
  timeoutMs?: number;
}

/** What a refused admin request carries as its FerryError cause. */
export interface ProxyRequestFailure {
  status: number;
  field?: string;
}

/** The HTTP status of a PROXY_REQUEST error (404, 409, …), if it is one. */
export function proxyRequestStatus(error: unknown): number | undefined {
  if (!isFerryError(error) || error.code !== 'PROXY_REQUEST') return undefined;
  return (error.options.cause as ProxyRequestFailure | undefined)?.status;
}

/**
 * The proxy's admin API. Errors: PROXY_UNAVAILABLE when the proxy does not answer, PROXY_REQUEST when it
 * refuses (the message carries its reason; proxyRequestStatus gives the status). It also serves as the
 * deployer's TrafficRouter (ensureService, admit, drain, backends).
 */
export class ProxyClient {
  readonly url: string;
  private readonly token: string;
  private readonly timeoutMs: number;

  constructor(options: ProxyClientOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.token = options.token;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  health(): Promise<{ ok: boolean; pid: number; services: number }> {
    return this.call('GET', '/healthz');
  }

  async listServices(): Promise<ServiceView[]> {
    return (await this.call<{ services: ServiceView[] }>('GET', '/v1/services')).services;
  }

  /** The service, or undefined when the proxy has none by that name. */
  async getService(name: string): Promise<ServiceView | undefined> {
    try {
      return await this.call<ServiceView>('GET', servicePath(name));
    } catch (error) {
      if (proxyRequestStatus(error) === 404) return undefined;
      throw error;
    }
  }

  /** Creates or updates a service; binds its listen port (409 when taken). Omitted options keep their value. */
  putService(name: string, input: ServiceInput): Promise<ServiceView> {
    return this.call('PUT', servicePath(name), input);
  }

  /** Removes a service; false when there was none. */
  async deleteService(name: string): Promise<boolean> {
    try {
      await this.call('DELETE', servicePath(name));
      return true;
    } catch (error) {
      if (proxyRequestStatus(error) === 404) return false;
      throw error;
    }
  }

  /** Admits a backend at once (call it after the replica is healthy). Idempotent for the same id and address. */
  addBackend(service: string, backend: BackendInput): Promise<BackendView> {
    return this.call('POST', `${servicePath(service)}/backends`, backend);
  }

  /** Stops new requests to the backend; resolves when it is drained and removed. Idempotent. */
  drainBackend(service: string, id: string, options: { timeoutMs?: number } = {}): Promise<DrainResult> {
    return this.call('POST', `${servicePath(service)}/backends/${encodeURIComponent(id)}/drain`, options, {
      timeout: false,
    });
  }

  setCanaryWeight(service: string, canary: number): Promise<Record<PoolName, number>> {
    return this.call('PUT', `${servicePath(service)}/weights`, { canary });
  }

  /** Moves every canary backend into the stable pool and sets the canary weight to 0, atomically. */
  promoteCanary(service: string): Promise<{ promoted: number }> {
    return this.call('POST', `${servicePath(service)}/promote-canary`);
  }

  /** Totals and the last `windowSeconds` (1–600, default 60) per pool. */
  stats(service: string, windowSeconds?: number): Promise<ServiceStats> {
    return this.call(
      'GET',
      `${servicePath(service)}/stats${windowSeconds === undefined ? '' : `?window=${windowSeconds}`}`,
    );
  }

  metrics(): Promise<string> {
    return this.call('GET', '/metrics', undefined, { text: true });
  }

  // TrafficRouter (packages/engine/src/deploy/traffic-router.ts)

  async ensureService(service: string, options: { listen: number; drainTimeoutMs: number }): Promise<void> {
    await this.putService(service, options);
  }

  async admit(service: string, backend: { id: string; address: string; pool: PoolName }): Promise<void> {
    await this.addBackend(service, backend);
  }

  async drain(service: string, id: string): Promise<{ cutRequests: number }> {
    return { cutRequests: (await this.drainBackend(service, id)).cutRequests };
  }

  async backends(service: string): Promise<string[]> {
    const view = await this.getService(service);
    return (view?.backends ?? []).filter((backend) => backend.state === 'admitted').map((backend) => backend.id);
  }

  private async call<T>(
    method: string,
    path: string,
    body?: unknown,
    options: { timeout?: boolean; text?: boolean } = {},
  ): Promise<T> {
    const what = `${method} ${path}`;
    let response: { status: number; text: string };
    try {
      response = await send(
        new URL(`${this.url}${path}`),
        method,
        this.token,
        body,
        options.timeout === false ? undefined : this.timeoutMs,
      );
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new FerryError('PROXY_UNAVAILABLE', `proxy admin API at ${this.url} does not answer ${what}: ${reason}`, {
        cause: error,
      });
    }
    const { status, text } = response;
    if (status >= 200 && status < 300) return (options.text ? text : JSON.parse(text)) as T;
    let message = text.trim();
    let field: string | undefined;
    try {
      const parsed = JSON.parse(text) as { error?: { message?: string; field?: string } };
      message = parsed.error?.message ?? message;
      field = parsed.error?.field;
    } catch {
      // not JSON: keep the text
    }
    const failure: ProxyRequestFailure = { status, ...(field !== undefined ? { field } : {}) };
    throw new FerryError('PROXY_REQUEST', `proxy refused ${what} (${status}): ${message}`, { cause: failure });
  }
}

/** One admin request over node:http (no response-header deadline of its own: a drain answers when it is done). */
function send(
  url: URL,
  method: string,
  token: string,
  body: unknown,
  timeoutMs: number | undefined,
): Promise<{ status: number; text: string }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, {
      method,
      agent: false,
      headers: {
        Authorization: `Bearer ${token}`,
        ...(payload !== undefined
          ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) }
          : {}),
      },
    });
    if (timeoutMs !== undefined)
      req.setTimeout(timeoutMs, () =>
        req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })),
      );
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.end(payload);
  });
}

const servicePath = (name: string) => `/v1/services/${encodeURIComponent(name)}`;
