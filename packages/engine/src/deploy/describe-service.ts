import type { Revision, Replica } from './deploy-types.js';
import type { Provider } from './provider.js';
import { ServiceState, type DeployJournal, type TimelineEvent } from './state/service-state.js';
import type { PoolName, ServiceView } from '../proxy/proxy-types.js';
import { FerryError } from '../errors.js';

/** What the proxy says of a service: its pools' weights and each backend's pool and state. */
export interface ServiceProxyView {
  listen: number;
  weights: Record<PoolName, number>;
  backends: { id: string; pool: PoolName; state: string; inFlight: number; requests: number }[];
}

/** A deployed service as `GET /api/services/:name` shows it. */
export interface ServiceOverview {
  name: string;
  journal: DeployJournal | undefined;
  /** Newest first, without the resolved spec each keeps for rollbacks. */
  revisions: Omit<Revision, 'service'>[];
  /** Each replica, whether it runs and whether the proxy routes to it, and in which pool. */
  replicas: (Replica & { admitted: boolean; pool?: PoolName })[];
  /** Undefined for an unpublished service, or when the proxy is not running (`proxyError` says why). */
  proxy?: ServiceProxyView;
  proxyError?: string;
  /** The newest deploy events, oldest first: replicas started, admitted, drained; canary steps and analyses. */
  timeline: TimelineEvent[];
}

export interface DescribeDeps {
  stateDir: string;
  provider: Provider;
  /** Reads the proxy's view of a service; undefined when there is no proxy to ask. */
  proxyService?: (name: string) => Promise<ServiceView | undefined>;
}

/** The services with deploy state, by name. */
export function deployedServices(stateDir: string): string[] {
  return ServiceState.services(stateDir);
}

/**
 * Gathers what the state dir (journal, revisions, timeline), the provider (replicas) and the proxy (weights,
 * backends) know of a service. Throws DEPLOY_NOT_FOUND for a service that was never deployed.
 */
export async function describeService(name: string, deps: DescribeDeps): Promise<ServiceOverview> {
  const state = new ServiceState(deps.stateDir, name);
  const journal = state.journal();
  const revisions = state.revisions();
  if (!journal && revisions.length === 0)
    throw new FerryError('DEPLOY_NOT_FOUND', `service "${name}" has never been deployed (state in ${deps.stateDir})`);
  const replicas = await deps.provider.list(name);
  let proxy: ServiceProxyView | undefined;
  let proxyError: string | undefined;
  const published = revisions.find((r) => r.number === journal?.active)?.service.publish !== undefined;
  if (published && deps.proxyService) {
    try {
      const view = await deps.proxyService(name);
      if (view)
        proxy = {
          listen: view.listen,
          weights: view.weights,
          backends: view.backends.map((b) => ({
            id: b.id,
            pool: b.pool,
            state: b.state,
            inFlight: b.inFlight,
            requests: b.requests,
          })),
        };
    } catch (error) {
      proxyError = `the proxy did not answer: ${(error as Error).message}`;
    }
  } else if (published) proxyError = 'no proxy runs for this state dir';
  const routed = new Map((proxy?.backends ?? []).map((b) => [b.id, b]));
  return {
    name,
    journal,
    revisions: revisions.map(({ service: _service, ...revision }) => revision).sort((a, b) => b.number - a.number),
    replicas: replicas.map((replica) => {
      const backend = routed.get(replica.id);
      return backend
        ? { ...replica, admitted: backend.state === 'admitted', pool: backend.pool }
        : { ...replica, admitted: !published && replica.running };
    }),
    ...(proxy ? { proxy } : {}),
    ...(proxyError ? { proxyError } : {}),
    timeline: state.timeline(),
  };
}
