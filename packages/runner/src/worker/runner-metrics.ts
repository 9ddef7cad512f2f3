import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The runner's phases of one run attempt, each timed by `ferry_runner_phase_duration_seconds`. */
export type RunPhase = 'clone' | 'prepare' | 'execute' | 'report';

/**
 * Prometheus metrics of one runner, in a registry of its own (several runners may share a process in tests
 * and benchmarks). Served by the health handler at /metrics.
 */
export class RunnerMetrics {
  readonly registry = new Registry();
  readonly runsTaken: Counter<'queue'>;
  readonly runsFinished: Counter<'status'>;
  readonly infraFailures: Counter<'code'>;
  readonly runnersLost: Counter;
  readonly activeRuns: Gauge;
  readonly capacity: Gauge;
  readonly redisUp: Gauge;
  readonly queueWait: Histogram;
  readonly runDuration: Histogram<'status'>;
  readonly phaseDuration: Histogram<'phase'>;
  readonly stageDuration: Histogram<'stage'>;
  readonly eventsPublished: Counter;
  readonly eventsFailed: Counter;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    const seconds = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
    this.runsTaken = new Counter({
      name: 'ferry_runner_runs_taken_total',
      help: 'Run attempts this runner took from the queue',
      labelNames: ['queue'],
      registers,
    });
    this.runsFinished = new Counter({
      name: 'ferry_runner_runs_finished_total',
      help: 'Runs this runner finished, by final status (success, failed, cancelled, error, runner-lost)',
      labelNames: ['status'],
      registers,
    });
    this.infraFailures = new Counter({
      name: 'ferry_runner_infra_failures_total',
      help: 'Attempts that failed for an infrastructure reason (retried with backoff)',
      labelNames: ['code'],
      registers,
    });
    this.runnersLost = new Counter({
      name: 'ferry_runner_lost_runs_total',
      help: 'Runs found whose previous runner was lost (stalled lease)',
      registers,
    });
    this.activeRuns = new Gauge({ name: 'ferry_runner_active_runs', help: 'Runs executing now', registers });
    this.capacity = new Gauge({
      name: 'ferry_runner_capacity',
      help: 'Runs this runner executes at once (--concurrency)',
      registers,
    });
    this.redisUp = new Gauge({
      name: 'ferry_runner_redis_up',
      help: '1 while the connection to Redis is ready',
      registers,
    });
    this.queueWait = new Histogram({
      name: 'ferry_runner_queue_wait_seconds',
      help: 'From enqueue to the first start of a run',
      buckets: seconds,
      registers,
    });
    this.runDuration = new Histogram({
      name: 'ferry_runner_run_duration_seconds',
      help: 'From taking a run to reporting its result',
      labelNames: ['status'],
      buckets: seconds,
      registers,
    });
    this.phaseDuration = new Histogram({
      name: 'ferry_runner_phase_duration_seconds',
      help: 'Duration of each phase of a run attempt: clone, prepare (load and plan), execute (the pipeline), report',
      labelNames: ['phase'],
      buckets: seconds,
      registers,
    });
    this.stageDuration = new Histogram({
      name: 'ferry_runner_stage_duration_seconds',
      help: 'Duration of each pipeline stage (first job started to last job finished), by stage name',
      labelNames: ['stage'],
      buckets: seconds,
      registers,
    });
    this.eventsPublished = new Counter({
      name: 'ferry_runner_events_published_total',
      help: 'Run events written to Redis streams',
      registers,
    });
    this.eventsFailed = new Counter({
      name: 'ferry_runner_events_failed_total',
      help: 'Run events Redis refused (the run goes on; the gap shows in seq)',
      registers,
    });
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'ferry_runner_' });
  }

  /** Times `task` as `phase`, whether it resolves or throws. */
  async time<T>(phase: RunPhase, task: () => Promise<T>): Promise<T> {
    const end = this.phaseDuration.startTimer({ phase });
    try {
      return await task();
    } finally {
      end();
    }
  }
}
