import type { Clock } from '../../clock.js';
import type { HealthCheck, Replica } from '../deploy-types.js';
import type { Provider } from '../provider.js';
import { probeReplica } from './probe-replica.js';

export type ReplicaHealth =
  { phase: 'starting' } | { phase: 'healthy'; since: number } | { phase: 'failed'; check: string; output: string };

/**
 * Follows one replica's health with Docker HEALTHCHECK semantics, tuned for rollouts: a starting replica is
 * probed at once and every `startInterval` (so it is admitted within ~100 ms of being ready, not a full
 * interval later), but failures are counted at most once per `interval` and not during `startPeriod`, so a
 * slow starter gets the same grace Docker gives it. `healthy` consecutive passes admit it; `unhealthy`
 * consecutive counted failures, an exit, or no pass within `progressDeadline` fail it. After admission it is
 * probed every `interval` until stopped. One found already admitted starts healthy, without start grace.
 */
export class ReplicaWatch {
  health: ReplicaHealth = { phase: 'starting' };
  readonly #controller = new AbortController();
  readonly done: Promise<void>;

  constructor(
    readonly replica: Replica,
    private readonly check: HealthCheck,
    private readonly provider: Provider,
    private readonly clock: Clock,
    private readonly progressDeadlineMs: number,
    private readonly onChange: (watch: ReplicaWatch) => void,
    private readonly options: { admitted?: boolean } = {},
  ) {
    if (options.admitted) this.health = { phase: 'healthy', since: clock.now() };
    this.done = this.#run().catch(() => undefined);
  }

  stop(): void {
    this.#controller.abort();
  }

  async #run(): Promise<void> {
    const signal = this.#controller.signal;
    // An admitted replica (one the healer finds in rotation) had its start grace already: failures count at once.
    const started = this.clock.now() - (this.options.admitted ? this.check.startPeriodMs : 0);
    let passes = 0;
    let failures = 0;
    let lastCounted = started;
    while (!signal.aborted) {
      const state = await this.provider.state(this.replica);
      if (signal.aborted) return;
      if (!state.running) {
        return this.#set({ phase: 'failed', check: 'exited', output: `exited with code ${state.exitCode ?? '?'}` });
      }
      const result = await probeReplica(this.replica, this.check, this.provider);
      if (signal.aborted) return;
      const now = this.clock.now();
      if (result.ok) {
        passes += 1;
        failures = 0;
        if (this.health.phase === 'starting' && passes >= this.check.healthy)
          this.#set({ phase: 'healthy', since: now });
      } else {
        passes = 0;
        if (now - started >= this.check.startPeriodMs && now - lastCounted >= this.check.intervalMs) {
          failures += 1;
          lastCounted = now;
          if (failures >= this.check.unhealthy) {
            return this.#set({
              phase: 'failed',
              check: `${failures} consecutive failed health checks (${describe(this.check)})`,
              output: result.output,
            });
          }
        }
      }
      if (this.health.phase === 'starting' && now - started > this.progressDeadlineMs) {
        return this.#set({
          phase: 'failed',
          check: `not healthy within the progress deadline of ${Math.round(this.progressDeadlineMs / 1000)}s`,
          output: result.output,
        });
      }
      const wait = this.health.phase === 'starting' ? this.check.startIntervalMs : this.check.intervalMs;
      await this.clock.sleep(wait, signal).catch(() => undefined);
    }
  }

  #set(health: ReplicaHealth): void {
    this.health = health;
    this.onChange(this);
  }
}

function describe(check: HealthCheck): string {
  switch (check.probe.kind) {
    case 'http':
      return `GET ${check.probe.path}`;
    case 'tcp':
      return 'tcp connect';
    case 'cmd':
      return check.probe.command;
    case 'none':
      return 'none';
  }
}
