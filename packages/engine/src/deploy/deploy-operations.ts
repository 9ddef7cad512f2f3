import type { Clock } from '../clock.js';
import { FerryError } from '../errors.js';
import { rollbackTarget } from './decide/rollback-target.js';
import type { ResolvedService } from './deploy-types.js';
import type { Provider } from './provider.js';
import { rollOut } from './roll-out.js';
import type { RolloutResult } from './rollout-types.js';
import type { DeployJournal } from './state/service-state.js';
import { ServiceState } from './state/service-state.js';
import type { TrafficRouter } from './traffic-router.js';

/**
 * The deploy operations the CLI, the runner and the HTTP API share: each takes the state dir, the provider and
 * a way to reach the router, and reports what happened; none prints or picks an exit code.
 */
export interface OperationDeps {
  stateDir: string;
  provider: Provider;
  /** Called only for a published service (starting the proxy if needed). */
  router: () => Promise<TrafficRouter>;
  clock: Clock;
  log(line: string): void;
}

/** A router for services without `publish`: nothing to route. */
export const noRouter: TrafficRouter = {
  ensureService: () => Promise.resolve(),
  admit: () => Promise.resolve(),
  drain: () => Promise.resolve({ cutRequests: 0 }),
  backends: () => Promise.resolve([]),
};

/**
 * The error a deploy that did not finish well stands for: rolled back (the new revision was unhealthy; the
 * previous one serves again) is DEPLOY_UNHEALTHY, a rollback that could not restore the previous revision is
 * DEPLOY_ROLLBACK_FAILED. Undefined for deployed, unchanged and paused.
 */
export function deployFailure(service: string, result: RolloutResult): FerryError | undefined {
  if (result.status === 'rolled-back') return new FerryError('DEPLOY_UNHEALTHY', `${service}: ${result.message}`);
  if (result.status === 'failed') return new FerryError('DEPLOY_ROLLBACK_FAILED', `${service}: ${result.message}`);
  return undefined;
}

function deployed(name: string, stateDir: string): ServiceState {
  const state = new ServiceState(stateDir, name);
  if (!state.journal() && state.revisions().length === 0)
    throw new FerryError('DEPLOY_NOT_FOUND', `service "${name}" has never been deployed (state in ${stateDir})`);
  return state;
}

/** Rolls a known revision's service out for an operation (no run events: the operation reports its result). */
async function rollOutAs(
  job: string,
  service: ResolvedService,
  state: ServiceState,
  deps: OperationDeps,
  deployId: string,
): Promise<RolloutResult> {
  return rollOut(service, {
    provider: deps.provider,
    router: service.publish !== undefined ? await deps.router() : noRouter,
    state,
    clock: deps.clock,
    deployId,
    job,
    log: (line) => deps.log(line),
    emit: () => undefined,
  });
}

/** Rolls `name` back to revision `to` (default: the newest good one before the active), health-gated. */
export async function rollBackService(
  name: string,
  deps: OperationDeps,
  options: { to?: number; deployId: string },
): Promise<RolloutResult> {
  const state = deployed(name, deps.stateDir);
  const target = rollbackTarget(state.revisions(), state.journal()?.active, options.to);
  if (!target.ok) throw new FerryError('DEPLOY_NOT_FOUND', `service "${name}": ${target.reason}`);
  // A rollback is fast-tracked, as in Argo Rollouts: back to a known revision without canary steps.
  const { canary: _canary, ...service } = target.revision.service;
  return rollOutAs('rollback', service, state, deps, options.deployId);
}

/** The active revision of `name` at another replica count, health-gated, without a new revision. */
export async function scaleService(
  name: string,
  replicas: number,
  deps: OperationDeps,
  options: { deployId: string },
): Promise<RolloutResult> {
  if (!Number.isInteger(replicas) || replicas < 0)
    throw new FerryError('DEPLOY_INVALID', `scale ${name}: expected a whole number of replicas, got ${replicas}`);
  const state = deployed(name, deps.stateDir);
  const active = state.journal()?.active;
  const revision = state.revisions().find((r) => r.number === active);
  if (!revision)
    throw new FerryError(
      'DEPLOY_NOT_FOUND',
      `service "${name}" has no active revision to scale (state in ${deps.stateDir})`,
    );
  const { canary: _canary, ...current } = revision.service;
  const service = { ...current, replicas, rolling: { ...current.rolling, monitorMs: 0 } };
  return rollOutAs('scale', service, state, deps, options.deployId);
}

/** Takes `name` out of the proxy, removes its replicas and forgets its state, under the service lock. */
export async function removeService(name: string, deps: OperationDeps): Promise<{ removed: number }> {
  const state = deployed(name, deps.stateDir);
  const release = state.lock();
  try {
    const revision = state.revisions().find((r) => r.number === state.journal()?.active);
    if (revision?.service.publish !== undefined) {
      const router = await deps.router();
      if ('deleteService' in router)
        await (router as { deleteService(service: string): Promise<boolean> }).deleteService(name);
    }
    const replicas = await deps.provider.list(name);
    for (const replica of replicas) await deps.provider.remove(replica, revision?.service.stopGraceMs ?? 10_000);
    state.forget();
    return { removed: replicas.length };
  } finally {
    release();
  }
}

/** Asks the running canary of `name` to promote or abort; it picks the request up within ~50 ms. */
export function requestCanaryAction(name: string, action: 'promote' | 'abort', stateDir: string): DeployJournal {
  const journal = deployed(name, stateDir).journal();
  if (!journal)
    throw new FerryError('DEPLOY_NOT_FOUND', `service "${name}" has never been deployed (state in ${stateDir})`);
  if (journal.phase !== 'canary')
    throw new FerryError(
      'DEPLOY_INVALID',
      `service "${name}" has no canary in progress (it is ${journal.phase}); nothing to ${action}`,
    );
  new ServiceState(stateDir, name).request(action);
  return journal;
}
