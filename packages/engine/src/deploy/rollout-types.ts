import type { Clock } from '../clock.js';
import type { RunEventBody } from '../run/events.js';
import type { Provider } from './provider.js';
import type { ServiceStore } from './state/service-state.js';
import type { TrafficRouter } from './traffic-router.js';

export interface RolloutDeps {
  provider: Provider;
  router: TrafficRouter;
  state: ServiceStore;
  clock: Clock;
  deployId: string;
  /** The job the events belong to. */
  job: string;
  log(line: string): void;
  emit(body: RunEventBody): void;
}

export interface RolloutResult {
  status: 'deployed' | 'unchanged' | 'rolled-back' | 'failed' | 'paused';
  revision?: number;
  message: string;
}
