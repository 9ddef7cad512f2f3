import { canaryChart, type AnalysisPoint } from './canary-chart.js';
import { api, chip, el, writeHeaders } from './page-kit.js';

interface TimelineEvent {
  type: string;
  at: number;
  revision?: number;
  replica?: string;
  state?: string;
  detail?: string;
  step?: number;
  weight?: number;
  verdict?: string;
  message?: string;
  status?: string;
  reason?: string;
  image?: string;
  canary?: AnalysisPoint['canary'];
  stable?: AnalysisPoint['stable'];
}

interface ServiceOverview {
  name: string;
  journal?: {
    phase: string;
    active?: number;
    target?: number;
    canary?: { step: number; weight: number };
    outcome?: { status: string; message: string };
  };
  revisions: { number: number; image: string; createdAt: number; outcome?: string }[];
  replicas: { id: string; name: string; revision: number; running: boolean; admitted: boolean; pool?: string }[];
  proxy?: { weights: Record<string, number>; backends: { id: string; pool: string; state: string }[] };
  proxyError?: string;
  timeline: TimelineEvent[];
}

const time = (at: number) => new Date(at).toISOString().slice(11, 19);
const head = (...names: string[]) => el('thead', {}, el('tr', {}, ...names.map((h) => el('th', {}, h))));
const svgNs = 'http://www.w3.org/2000/svg';

function svg(tag: string, attrs: Record<string, string>, ...children: Node[]): SVGElement {
  const node = document.createElementNS(svgNs, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  node.append(...children);
  return node;
}

/** p99 and error rate of canary vs stable over the analyses, as two small inline SVG charts. */
function chartOf(timeline: TimelineEvent[]): HTMLElement {
  const analyses = timeline.flatMap((event) =>
    event.type === 'deploy.analysis' && event.canary && event.stable
      ? [{ at: event.at, canary: event.canary, stable: event.stable }]
      : [],
  );
  if (analyses.length === 0) return el('p', { class: 'muted' }, 'no canary analysis yet');
  const width = 360;
  const height = 90;
  const chart = canaryChart(analyses, width, height);
  const draw = (title: string, series: typeof chart.p99, max: string) =>
    el(
      'figure',
      {},
      svg(
        'svg',
        { width: String(width), height: String(height), class: 'chart', viewBox: `0 0 ${width} ${height}` },
        ...series.map((line) =>
          svg('polyline', { points: line.points, class: `line ${line.name}`, 'data-series': line.name }),
        ),
      ),
      el(
        'figcaption',
        {},
        `${title} (top: ${max}) — `,
        el('span', { class: 'canary' }, 'canary'),
        ' vs ',
        el('span', { class: 'stable' }, 'stable'),
      ),
    );
  return el(
    'div',
    { class: 'charts', 'data-analyses': String(analyses.length) },
    draw('p99 latency', chart.p99, `${Math.round(chart.maxP99)} ms`),
    draw('error rate', chart.errors, `${(chart.maxErrorRate * 100).toFixed(1)} %`),
  );
}

function timelineText(event: TimelineEvent): string {
  switch (event.type) {
    case 'deploy.started':
      return `rollout of revision ${event.revision ?? '?'} (${event.image ?? ''}) started`;
    case 'deploy.replica':
      return `${event.replica ?? ''} r${event.revision ?? '?'} ${event.state ?? ''}${event.detail ? `: ${event.detail}` : ''}`;
    case 'deploy.canary':
      return `canary step ${(event.step ?? 0) + 1}: weight ${event.weight ?? 0}%`;
    case 'deploy.analysis':
      return `analysis: ${event.verdict ?? ''}: ${event.message ?? ''}`;
    case 'deploy.rollback':
      return `rollback: ${event.reason ?? ''}`;
    case 'deploy.finished':
      return `${event.status ?? ''}: ${event.message ?? ''}`;
    default:
      return event.type;
  }
}

function serviceSection(service: ServiceOverview, notice: HTMLElement): HTMLElement {
  const act = (action: string) => {
    const button = el('button', { 'data-action': action }, action);
    button.addEventListener('click', () => {
      void api(`/api/services/${encodeURIComponent(service.name)}/${action}`, {
        method: 'POST',
        headers: writeHeaders,
      }).then(async (response) => {
        const body = (await response.json()) as { message?: string };
        notice.textContent = response.ok ? `${action} of ${service.name} requested` : (body.message ?? '');
      });
    });
    return button;
  };
  const journal = service.journal;
  const canary = journal?.phase === 'canary';
  const weights = service.proxy
    ? Object.entries(service.proxy.weights)
        .map(([pool, weight]) => `${pool} ${weight}%`)
        .join(' · ')
    : (service.proxyError ?? 'not published');
  return el(
    'section',
    { class: 'service', 'data-service': service.name },
    el(
      'h2',
      {},
      `${service.name} `,
      chip(journal?.phase ?? 'unknown'),
      ` revision ${journal?.active ?? '–'}${canary ? ` → ${journal.target ?? '?'} at ${journal.canary?.weight ?? 0}%` : ''}`,
    ),
    el('p', { class: 'weights' }, `proxy weights: ${weights}`),
    journal?.outcome
      ? el('p', { class: 'outcome' }, `last: ${journal.outcome.status}: ${journal.outcome.message}`)
      : '',
    el(
      'div',
      { class: 'actions' },
      act('rollback'),
      ' ',
      canary ? act('promote') : '',
      ' ',
      canary ? act('abort') : '',
    ),
    el('h3', {}, 'Replicas'),
    el(
      'table',
      { class: 'replicas' },
      head('replica', 'revision', 'container', 'traffic'),
      el(
        'tbody',
        {},
        ...service.replicas.map((replica) =>
          el(
            'tr',
            { 'data-replica': replica.name },
            el('td', {}, replica.name),
            el('td', {}, `r${replica.revision}`),
            el('td', {}, chip(replica.running ? 'running' : 'stopped')),
            el(
              'td',
              { class: 'health' },
              replica.admitted ? `in rotation${replica.pool ? ` (${replica.pool})` : ''}` : 'out of rotation',
            ),
          ),
        ),
      ),
    ),
    el('h3', {}, 'Revisions'),
    el(
      'table',
      { class: 'revisions' },
      head('revision', 'image', 'created', 'outcome'),
      el(
        'tbody',
        {},
        ...service.revisions.map((revision) =>
          el(
            'tr',
            { 'data-revision': String(revision.number) },
            el('td', {}, `${revision.number === journal?.active ? '● ' : ''}${revision.number}`),
            el('td', {}, revision.image),
            el('td', {}, new Date(revision.createdAt).toISOString().replace('T', ' ').slice(0, 19)),
            el('td', {}, revision.outcome ?? ''),
          ),
        ),
      ),
    ),
    el('h3', {}, 'Canary analysis'),
    chartOf(service.timeline),
    el('h3', {}, 'Rollout timeline'),
    el(
      'ol',
      { class: 'timeline' },
      ...service.timeline
        .filter((event) => event.type !== 'deploy.progress')
        .slice(-60)
        .map((event) =>
          el('li', { 'data-type': event.type }, el('time', {}, time(event.at)), ' ', timelineText(event)),
        ),
    ),
  );
}

/** /deploys: every service of the server's deploy state dir, read again every 2 s; returns what stops it. */
export function deploysPage(app: HTMLElement): () => void {
  const notice = el('p', { class: 'error', id: 'deploy-notice' });
  const list = el('div', { id: 'services' });
  app.append(el('h1', {}, 'Deploys'), notice, list);
  let stopped = false;
  const poll = async () => {
    while (!stopped) {
      try {
        const response = await api('/api/services');
        const body = (await response.json()) as { services?: ServiceOverview[]; message?: string };
        if (!response.ok) list.replaceChildren(el('p', {}, body.message ?? 'no deploys'));
        else if ((body.services ?? []).length === 0) list.replaceChildren(el('p', {}, 'no services deployed'));
        else list.replaceChildren(...(body.services ?? []).map((service) => serviceSection(service, notice)));
      } catch {
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  };
  void poll();
  return () => {
    stopped = true;
  };
}
