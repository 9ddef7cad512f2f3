import { AdminError } from './admin-error.js';
import type { BackendInput, ServiceInput } from './admin-schemas.js';
import type { BackendView, DrainResult, RouteTable, ServiceStats, ServiceView } from './proxy-types.js';
import type { RouteStore } from './route-store.js';
import type { RouterDeps } from './service-router.js';
import { ServiceRouter } from './service-router.js';

const defaultDrainTimeoutMs = 30_000;
const defaultUpstreamTimeoutMs = 30_000;

/**
 * The routing table: services by name, each a ServiceRouter. Every change is applied in memory first (so
 * traffic follows at once), then persisted; a call resolves after routes.json holds it. Creating, moving and
 * deleting services run one at a time (they bind and close ports).
 */
export class ProxyRoutes {
  private readonly services = new Map<string, ServiceRouter>();
  private exclusive: Promise<unknown> = Promise.resolve();
  /** Set by close: the table as it was, so a write still queued then does not store an empty table. */
  private final: RouteTable | undefined;

  constructor(
    private readonly store: RouteStore,
    private readonly deps: RouterDeps,
  ) {}

  /**
   * Serves a stored table: every service at once, retrying in the background for ports still held. Each
   * stored backend is checked (a TCP connect) before it gets traffic: the containers may be gone.
   */
  async restore(table: RouteTable): Promise<void> {
    await Promise.all(
      table.services.map(async ({ backends, ...config }) => {
        const router = new ServiceRouter(config, this.deps);
        for (const backend of backends) router.admit(backend, { unverified: true });
        this.services.set(config.name, router);
        await router.listenOrRetry();
      }),
    );
  }

  list(): ServiceView[] {
    return [...this.services.values()].map((router) => router.view());
  }

  routers(): ServiceRouter[] {
    return [...this.services.values()];
  }

  get(name: string): ServiceRouter {
    const router = this.services.get(name);
    if (!router) throw new AdminError(404, `no service "${name}"; create it with PUT /v1/services/${name}`);
    return router;
  }

  /** Creates the service (binding its port) or updates it; a port that cannot be bound leaves everything as it was. */
  putService(name: string, input: ServiceInput): Promise<{ created: boolean; service: ServiceView }> {
    return this.oneAtATime(async () => {
      const existing = this.services.get(name);
      const owner =
        input.listen === 0
          ? undefined
          : [...this.services.values()].find((router) => router !== existing && router.config.listen === input.listen);
      if (owner)
        throw new AdminError(
          409,
          `port ${input.listen} is already the listen port of service "${owner.name}"`,
          'listen',
        );
      if (!existing) {
        const router = new ServiceRouter(
          {
            name,
            listen: input.listen,
            drainTimeoutMs: input.drainTimeoutMs ?? defaultDrainTimeoutMs,
            upstreamTimeoutMs: input.upstreamTimeoutMs ?? defaultUpstreamTimeoutMs,
            sticky: input.sticky ?? null,
            canaryWeight: 0,
          },
          this.deps,
        );
        await router.listen(input.listen);
        this.services.set(name, router);
        await this.persist();
        this.deps.log(`service ${name}: listening on 127.0.0.1:${router.config.listen}`);
        return { created: true, service: router.view() };
      }
      const port = input.listen === 0 ? existing.config.listen : input.listen;
      if (port !== existing.config.listen || !existing.listening) await existing.listen(port);
      existing.config = {
        ...existing.config,
        drainTimeoutMs: input.drainTimeoutMs ?? existing.config.drainTimeoutMs,
        upstreamTimeoutMs: input.upstreamTimeoutMs ?? existing.config.upstreamTimeoutMs,
        sticky: input.sticky === undefined ? existing.config.sticky : input.sticky,
      };
      await this.persist();
      return { created: false, service: existing.view() };
    });
  }

  /** Removes the service: its port stops accepting at once, running requests finish (up to its drain timeout). */
  deleteService(name: string): Promise<void> {
    return this.oneAtATime(async () => {
      const router = this.get(name);
      this.services.delete(name);
      await this.persist();
      await router.close();
      this.deps.log(`service ${name}: deleted`);
    });
  }

  async admit(name: string, input: BackendInput): Promise<{ created: boolean; backend: BackendView }> {
    const router = this.get(name);
    const backend = { id: input.id, address: input.address, pool: input.pool ?? 'stable' };
    const { created } = router.admit(backend);
    await this.persist();
    if (created) this.deps.log(`service ${name}: admitted ${backend.id} (${backend.address}, ${backend.pool})`);
    const view = router.view().backends.find((candidate) => candidate.id === backend.id);
    if (!view) throw new AdminError(409, `backend "${backend.id}" was drained while being admitted`);
    return { created, backend: view };
  }

  /** Stops new requests to the backend at once (persisted), resolves once it is drained and forgotten. */
  async drain(name: string, id: string, timeoutMs?: number): Promise<DrainResult> {
    const router = this.get(name);
    const draining = router.drain(id, timeoutMs);
    await this.persist();
    const result = await draining;
    if (result.found)
      this.deps.log(
        `service ${name}: drained ${id}${result.cutRequests > 0 ? ` (${result.cutRequests} requests cut)` : ''}`,
      );
    return result;
  }

  async setCanaryWeight(name: string, canary: number): Promise<ServiceView['weights']> {
    const router = this.get(name);
    router.setCanaryWeight(canary);
    await this.persist();
    return router.selector.weights;
  }

  async promoteCanary(name: string): Promise<{ promoted: number }> {
    const router = this.get(name);
    const promoted = router.promoteCanary();
    await this.persist();
    return { promoted };
  }

  stats(name: string, windowSeconds: number): ServiceStats {
    return this.get(name).stats(windowSeconds);
  }

  snapshot(): RouteTable {
    if (this.final) return this.final;
    return {
      version: 1,
      services: [...this.services.values()].map((router) => ({
        ...router.config,
        backends: router.admittedBackends(),
      })),
    };
  }

  async close(): Promise<void> {
    this.final = this.snapshot();
    const routers = [...this.services.values()];
    this.services.clear();
    await Promise.all(routers.map((router) => router.close()));
  }

  private persist(): Promise<void> {
    return this.store.save(() => this.snapshot());
  }

  private oneAtATime<T>(task: () => Promise<T>): Promise<T> {
    const run = this.exclusive.then(task);
    this.exclusive = run.catch(() => undefined);
    return run;
  }
}
