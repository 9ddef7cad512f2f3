import { latencyBucketsMs } from './latency-histogram.js';
import { poolNames, statusClasses } from './proxy-types.js';
import type { ServiceRouter } from './service-router.js';

const escapeLabel = (value: string) => value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const labels = (pairs: Record<string, string>) =>
  `{${Object.entries(pairs)
    .map(([name, value]) => `${name}="${escapeLabel(value)}"`)
    .join(',')}}`;

/** The proxy's counters in the Prometheus text exposition format (0.0.4), totals since the process started. */
export function renderMetrics(routers: readonly ServiceRouter[]): string {
  const families = new Map<string, { type: string; help: string; lines: string[] }>();
  const family = (name: string, type: string, help: string) => {
    let entry = families.get(name);
    if (!entry) families.set(name, (entry = { type, help, lines: [] }));
    return (suffix: string, pairs: Record<string, string>, value: number) =>
      entry.lines.push(`${name}${suffix}${labels(pairs)} ${value}`);
  };
  const requests = family(
    'ferry_proxy_requests_total',
    'counter',
    'Upstream attempts per service and pool (a retried request counts once per backend tried)',
  );
  const responses = family('ferry_proxy_responses_total', 'counter', 'Upstream responses per status class');
  const connectionErrors = family(
    'ferry_proxy_connection_errors_total',
    'counter',
    'Attempts that failed to connect or were reset',
  );
  const timeouts = family(
    'ferry_proxy_timeouts_total',
    'counter',
    'Attempts that hit the upstream timeout (answered 504 or cut)',
  );
  const cut = family(
    'ferry_proxy_drain_cut_total',
    'counter',
    "Requests cut because their backend's drain timeout passed",
  );
  const duration = family(
    'ferry_proxy_request_duration_seconds',
    'histogram',
    'Time from sending a request upstream to the end of its response',
  );
  const noBackend = family(
    'ferry_proxy_no_backend_total',
    'counter',
    'Requests answered 503 because the service had no backend',
  );
  const retries = family(
    'ferry_proxy_retries_total',
    'counter',
    'Requests retried on another backend after a connection error',
  );
  const weight = family('ferry_proxy_pool_weight', 'gauge', 'Share of requests (0-100) routed to the pool');
  const listening = family('ferry_proxy_service_listening', 'gauge', "1 while the service's public port is bound");
  const inFlight = family('ferry_proxy_backend_in_flight', 'gauge', 'Requests running on the backend');
  const backendRequests = family('ferry_proxy_backend_requests_total', 'counter', 'Requests sent to the backend');
  const draining = family('ferry_proxy_backend_draining', 'gauge', '1 while the backend drains');

  for (const router of routers) {
    const service = router.name;
    for (const pool of poolNames) {
      const counters = router.counters.pools[pool];
      const total = counters.total();
      const at = { service, pool };
      requests('', at, total.requests);
      for (const cls of statusClasses) responses('', { ...at, class: cls }, total.responses[cls]);
      connectionErrors('', at, total.connectionErrors);
      timeouts('', at, total.timeouts);
      cut('', at, total.cut);
      const histogram = counters.histogramTotals();
      let cumulative = 0;
      latencyBucketsMs.forEach((bound, slot) => {
        cumulative += histogram.slots[slot] ?? 0;
        duration('_bucket', { ...at, le: String(bound / 1000) }, cumulative);
      });
      duration('_bucket', { ...at, le: '+Inf' }, histogram.count);
      duration('_sum', at, histogram.sumMs / 1000);
      duration('_count', at, histogram.count);
      weight('', at, router.selector.weights[pool]);
    }
    noBackend('', { service }, router.counters.unrouted.total().requests);
    retries('', { service }, router.counters.retries);
    listening('', { service }, router.listening ? 1 : 0);
    for (const backend of router.view().backends) {
      const at = { service, pool: backend.pool, backend: backend.id };
      inFlight('', at, backend.inFlight);
      backendRequests('', at, backend.requests);
      draining('', at, backend.state === 'draining' ? 1 : 0);
    }
  }
  let text = '';
  for (const [name, { type, help, lines }] of families) {
    text += `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n`;
    for (const line of lines) text += `${line}\n`;
  }
  return text;
}
