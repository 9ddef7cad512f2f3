import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Prometheus metrics of one `ferry serve`, in a registry of its own (tests run several in one process). Served at /metrics. */
export class ServeMetrics {
  readonly registry = new Registry();
  readonly deliveries: Counter<'forge' | 'outcome'>;
  readonly deliveryDuration: Histogram<'forge' | 'outcome'>;
  readonly pipelineCache: Counter<'result'>;
  readonly apiRequests: Counter<'route' | 'status'>;
  readonly eventStreams: Gauge;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.deliveries = new Counter({
      name: 'ferry_serve_deliveries_total',
      help: 'Webhook deliveries by forge and outcome (queued, duplicate, ignored, ping, unauthorized, malformed, too_large, unavailable)',
      labelNames: ['forge', 'outcome'],
      registers,
    });
    this.deliveryDuration = new Histogram({
      name: 'ferry_serve_delivery_duration_seconds',
      help: 'From the request to the answer of a webhook delivery (body read, verified, filtered, queued)',
      labelNames: ['forge', 'outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.pipelineCache = new Counter({
      name: 'ferry_serve_pipeline_cache_total',
      help: 'Pipeline reads by cache result (hit: no git)',
      labelNames: ['result'],
      registers,
    });
    this.apiRequests = new Counter({
      name: 'ferry_serve_api_requests_total',
      help: 'API requests by route and status code',
      labelNames: ['route', 'status'],
      registers,
    });
    this.eventStreams = new Gauge({
      name: 'ferry_serve_event_streams',
      help: 'Server-Sent Event streams open now',
      registers,
    });
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'ferry_serve_' });
  }
}
