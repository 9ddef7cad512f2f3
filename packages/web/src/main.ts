// The web page of `ferry serve`: runs, a run's jobs and live logs, cancel. Plain DOM, no framework: the
// page is small and the API does the work. The token lives in an HttpOnly cookie set by POST /login.

interface RunRecord {
  id: string;
  status: string;
  repo: string;
  sha: string;
  ref: string;
  pipeline?: string;
  pipelineName?: string;
  trigger: string;
  enqueuedAt: number;
  firstStartedAt?: number;
  finishedAt?: number;
  durationMs?: number;
  reason?: string;
  jobs?: Record<string, string>;
}

interface RunEvent {
  type: string;
  job?: string;
  step?: number;
  name?: string;
  line?: string;
  stream?: string;
  status?: string;
  jobs?: string[];
  needs?: Record<string, string[]>;
  reason?: string;
  error?: string;
}

import { ansiSpans } from './ansi-spans.js';
import { layoutDag } from './layout-dag.js';
import { deploysPage } from './deploys-page.js';
import { api, bytes, chip, el, ms, navigate, onNavigate, writeHeaders } from './page-kit.js';

const app = document.getElementById('app') as HTMLElement;
let stopPage: () => void = () => undefined;
onNavigate(route);
const branchOf = (ref: string) => ref.replace(/^refs\/(heads|tags)\//, '');

function route(): void {
  stopPage();
  stopPage = () => undefined;
  app.replaceChildren();
  if (location.pathname.startsWith('/deploys')) {
    stopPage = deploysPage(app);
    return;
  }
  const path = location.pathname;
  const run = /^\/runs\/([^/]+)$/.exec(path);
  if (path === '/login') loginPage();
  else if (run) runPage(decodeURIComponent(run[1] ?? ''));
  else if (path === '/runners') runnersPage();
  else runsPage();
}

function loginPage(): void {
  const token = el('input', { type: 'password', name: 'token', placeholder: 'API token', autocomplete: 'off' });
  const problem = el('p', { class: 'error' });
  const form = el(
    'form',
    { class: 'login' },
    el('h1', {}, 'Log in'),
    token,
    el('button', { type: 'submit' }, 'Log in'),
    problem,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void fetch('/login', { method: 'POST', headers: writeHeaders, body: JSON.stringify({ token: token.value }) }).then(
      async (response) => {
        if (response.ok) navigate('/');
        else problem.textContent = ((await response.json()) as { message: string }).message;
      },
    );
  });
  app.append(form);
}

function runsPage(): void {
  const filter = el('input', { placeholder: 'filter: status, repo, branch, pipeline', id: 'filter' });
  const body = el('tbody');
  const table = el(
    'table',
    { id: 'runs' },
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        ...['status', 'run', 'pipeline', 'repo', 'branch', 'commit', 'trigger', 'queue wait', 'duration'].map((h) =>
          el('th', {}, h),
        ),
      ),
    ),
    body,
  );
  const live = el('span', { id: 'live', class: 'live' });
  app.append(el('h1', {}, 'Runs ', live), filter, table);
  let runs: RunRecord[] = [];
  const draw = () => {
    const words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
    const rows = runs
      .filter((run) => {
        const text = `${run.status} ${run.repo} ${run.ref} ${run.pipelineName ?? run.pipeline ?? ''}`.toLowerCase();
        return words.every((word) => text.includes(word));
      })
      .map((run) => {
        const link = el('a', { href: `/runs/${encodeURIComponent(run.id)}` }, run.id);
        link.addEventListener('click', (event) => {
          event.preventDefault();
          navigate(`/runs/${encodeURIComponent(run.id)}`);
        });
        return el(
          'tr',
          { 'data-run': run.id },
          el('td', {}, chip(run.status)),
          el('td', {}, link),
          el('td', {}, run.pipelineName ?? run.pipeline ?? '–'),
          el('td', {}, run.repo),
          el('td', {}, branchOf(run.ref)),
          el('td', {}, run.sha.slice(0, 12)),
          el('td', {}, run.trigger),
          el('td', {}, ms(run.firstStartedAt !== undefined ? run.firstStartedAt - run.enqueuedAt : undefined)),
          el('td', {}, ms(run.durationMs)),
        );
      });
    body.replaceChildren(...rows);
  };
  filter.addEventListener('input', draw);
  // The list, then each run's record as it changes (GET /api/runs/stream); EventSource reconnects by itself and
  // is sent the whole list again.
  const source = new EventSource('/api/runs/stream?limit=100');
  source.onmessage = (message: MessageEvent<string>) => {
    const update = JSON.parse(message.data) as { type: string; runs?: RunRecord[]; run?: RunRecord };
    if (update.type === 'runs') runs = update.runs ?? [];
    else if (update.type === 'run' && update.run) {
      const changed = update.run;
      const at = runs.findIndex((run) => run.id === changed.id);
      if (at >= 0) runs[at] = changed;
      else runs = [changed, ...runs].sort((a, b) => b.enqueuedAt - a.enqueuedAt).slice(0, 100);
    }
    live.textContent = 'live';
    draw();
  };
  source.onerror = () => {
    live.textContent = 'reconnecting…';
    // 401 on the stream: EventSource cannot tell, so ask the API whether the login is gone.
    void api('/api/runs?limit=1').catch(() => source.close());
  };
  stopPage = () => source.close();
}

function runPage(id: string): void {
  const title = el('h1', {}, `Run ${id}`);
  const summary = el('p', { id: 'summary' });
  const dag = el('div', { class: 'dag', id: 'dag' });
  const cancel = el('button', { id: 'cancel' }, 'Cancel');
  const rerun = el('button', { id: 'rerun' }, 'Re-run');
  const search = el('input', { placeholder: 'search the log', id: 'search' });
  const log = el('pre', { class: 'log', id: 'log' });
  const logTitle = el('h2', { id: 'log-title' }, 'Log');
  const artifacts = el('ul', { id: 'artifacts' });
  const notice = el('p', { class: 'error' });
  app.append(
    title,
    summary,
    el('div', {}, cancel, ' ', rerun, ' ', search),
    notice,
    dag,
    el('h2', {}, 'Artifacts'),
    artifacts,
    logTitle,
    log,
  );
  const jobs = new Map<string, { status: string; note: string; lines: { text: string; err: boolean }[] }>();
  let needs: Record<string, string[]> = {};
  let selected: string | undefined;
  const job = (name: string) => {
    let entry = jobs.get(name);
    if (!entry) {
      entry = { status: 'waiting', note: '', lines: [] };
      jobs.set(name, entry);
    }
    return entry;
  };
  const drawDag = () => drawGraph(dag, jobs, needs, (name) => ((selected = name), drawLog()));
  const drawLog = () => {
    const lines = selected ? (jobs.get(selected)?.lines ?? []) : [];
    logTitle.textContent = selected ? `Log of ${selected}` : 'Log';
    const word = search.value.toLowerCase();
    log.replaceChildren(
      ...lines.flatMap((line, index) => {
        if (word && !stripAnsi(line.text).toLowerCase().includes(word)) return [];
        const text = el('span', line.err ? { class: 'err' } : {});
        for (const span of ansiSpans(line.text)) {
          const attrs: Record<string, string> = span.classes.length > 0 ? { class: span.classes.join(' ') } : {};
          if (span.style) attrs.style = span.style;
          text.append(span.classes.length > 0 || span.style ? el('span', attrs, span.text) : span.text);
        }
        text.append('\n');
        return [el('a', { href: `#L${index + 1}`, id: `L${index + 1}` }, String(index + 1)), text];
      }),
    );
  };
  search.addEventListener('input', drawLog);
  const write = (path: string, then: (body: Record<string, unknown>) => void) =>
    void api(`/api/runs/${encodeURIComponent(id)}/${path}`, { method: 'POST', headers: writeHeaders }).then(
      async (response) => {
        const body = (await response.json()) as Record<string, unknown>;
        if (response.ok) then(body);
        else notice.textContent = String(body.message);
      },
    );
  cancel.addEventListener('click', () => write('cancel', () => (notice.textContent = 'cancel requested')));
  rerun.addEventListener('click', () => write('rerun', (body) => navigate(`/runs/${String(body.runId)}`)));
  const showArtifacts = async () => {
    const body = (await (await api(`/api/runs/${encodeURIComponent(id)}/artifacts`)).json()) as {
      artifacts?: { job: string; bytes: number; kept: boolean; reason?: string }[];
    };
    const list = body.artifacts ?? [];
    artifacts.replaceChildren(
      ...(list.length === 0
        ? [el('li', {}, 'none kept')]
        : list.map((artifact) =>
            el(
              'li',
              { 'data-artifact': artifact.job },
              artifact.kept
                ? el(
                    'a',
                    {
                      href: `/api/runs/${encodeURIComponent(id)}/artifacts/${encodeURIComponent(artifact.job)}`,
                      download: '',
                    },
                    `${artifact.job}.tar`,
                  )
                : `${artifact.job}.tar`,
              ` (${bytes(artifact.bytes)}${artifact.kept ? '' : `, not kept: ${artifact.reason ?? ''}`})`,
            ),
          )),
    );
  };
  const showRecord = async () => {
    const response = await api(`/api/runs/${encodeURIComponent(id)}`);
    if (!response.ok) {
      notice.textContent = ((await response.json()) as { message: string }).message;
      return;
    }
    const run = (await response.json()) as RunRecord;
    summary.replaceChildren(
      chip(run.status),
      ` ${run.pipelineName ?? run.pipeline ?? ''} · ${run.repo} · ${branchOf(run.ref)} · ${run.sha.slice(0, 12)} · ${run.trigger}${run.reason ? ` · ${run.reason}` : ''}`,
    );
    const final = finalStatuses.includes(run.status);
    cancel.toggleAttribute('disabled', final);
    if (final) await showArtifacts();
    else artifacts.replaceChildren(el('li', {}, 'kept when the run ends'));
  };
  void showRecord();
  const source = new EventSource(`/api/runs/${encodeURIComponent(id)}/events`);
  source.onmessage = (message: MessageEvent<string>) => {
    const event = JSON.parse(message.data) as RunEvent;
    if (event.type === 'run.started') {
      for (const name of event.jobs ?? []) job(name);
      needs = event.needs ?? {};
    } else if (event.job && event.type === 'job.waiting')
      Object.assign(job(event.job), { status: 'waiting', note: event.reason ?? '' });
    else if (event.job && event.type === 'job.started') Object.assign(job(event.job), { status: 'running', note: '' });
    else if (event.job && event.type === 'job.skipped')
      Object.assign(job(event.job), { status: 'skipped', note: event.reason ?? '' });
    else if (event.job && event.type === 'job.finished')
      Object.assign(job(event.job), { status: event.status ?? 'failed', note: event.error ?? '' });
    else if (event.job && (event.type === 'step.log' || event.type === 'job.log')) {
      job(event.job).lines.push({ text: event.line ?? '', err: event.stream === 'stderr' });
      selected ??= event.job;
      if (selected === event.job) drawLog();
    } else if (event.job && event.type === 'step.started')
      job(event.job).lines.push({ text: `── ${event.name ?? ''}`, err: false });
    if (event.type === 'run.result' || event.type === 'run.finished') void showRecord();
    drawDag();
  };
  stopPage = () => source.close();
}

const finalStatuses = ['success', 'failed', 'cancelled', 'error', 'runner-lost'];
/** The DAG: job boxes in columns by their needs, over an SVG of the edges; a click on a box shows its log. */
function drawGraph(
  into: HTMLElement,
  jobs: Map<string, { status: string; note: string }>,
  needs: Record<string, string[]>,
  select: (job: string) => void,
): void {
  const width = 220;
  const height = 64;
  const gapX = 60;
  const gapY = 16;
  const layout = layoutDag([...jobs.keys()], needs);
  const place = new Map(layout.nodes.map((node) => [node.id, node]));
  const svgNs = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(svgNs, 'svg');
  const totalWidth = layout.columns * (width + gapX);
  const totalHeight = layout.rows * (height + gapY);
  svg.setAttribute('width', String(totalWidth));
  svg.setAttribute('height', String(totalHeight));
  svg.setAttribute('class', 'edges');
  for (const edge of layout.edges) {
    const from = place.get(edge.from);
    const to = place.get(edge.to);
    if (!from || !to) continue;
    const x1 = from.column * (width + gapX) + width;
    const y1 = from.row * (height + gapY) + height / 2;
    const x2 = to.column * (width + gapX);
    const y2 = to.row * (height + gapY) + height / 2;
    const path = document.createElementNS(svgNs, 'path');
    path.setAttribute('d', `M${x1},${y1} C${x1 + gapX / 2},${y1} ${x2 - gapX / 2},${y2} ${x2},${y2}`);
    path.setAttribute('class', `edge ${jobs.get(edge.from)?.status ?? ''}`);
    path.setAttribute('data-edge', `${edge.from}->${edge.to}`);
    svg.append(path);
  }
  into.style.width = `${totalWidth}px`;
  into.style.height = `${totalHeight}px`;
  into.replaceChildren(
    svg,
    ...layout.nodes.map((node) => {
      const entry = jobs.get(node.id) ?? { status: 'waiting', note: '' };
      const box = el(
        'div',
        {
          class: `job ${entry.status}`,
          'data-job': node.id,
          title: entry.note,
          style: `left:${node.column * (width + gapX)}px;top:${node.row * (height + gapY)}px;width:${width}px;height:${height}px`,
        },
        el('span', { class: 'name' }, node.id),
        ' ',
        chip(entry.status),
        el('small', {}, entry.note),
      );
      box.addEventListener('click', () => select(node.id));
      return box;
    }),
  );
}

interface RunnerInfo {
  id: string;
  host: string;
  labels: string[];
  concurrency: number;
  runs: string[];
  heartbeatAt: number;
  draining: boolean;
  version: string;
}

function runnersPage(): void {
  const runners = el('tbody');
  const queues = el('tbody');
  const head = (...names: string[]) => el('thead', {}, el('tr', {}, ...names.map((h) => el('th', {}, h))));
  app.append(
    el('h1', {}, 'Runners'),
    el('table', { id: 'runners' }, head('runner', 'host', 'labels', 'busy', 'heartbeat', 'state', 'version'), runners),
    el('h2', {}, 'Queues'),
    el('table', { id: 'queues' }, head('labels', 'waiting', 'running'), queues),
  );
  let stopped = false;
  const poll = async () => {
    while (!stopped) {
      try {
        const body = (await (await api('/api/runners')).json()) as {
          runners: RunnerInfo[];
          queues: { queue: string; labels: string[]; waiting: number; active: number }[];
        };
        runners.replaceChildren(
          ...body.runners.map((r) =>
            el(
              'tr',
              { 'data-runner': r.id },
              el('td', {}, r.id),
              el('td', {}, r.host),
              el('td', {}, r.labels.join(', ') || '–'),
              el('td', { class: 'busy' }, `${r.runs.length} / ${r.concurrency}`),
              el('td', {}, `${ms(Math.max(0, Date.now() - r.heartbeatAt))} ago`),
              el('td', {}, r.draining ? 'draining' : 'taking runs'),
              el('td', {}, r.version),
            ),
          ),
        );
        queues.replaceChildren(
          ...body.queues.map((q) =>
            el(
              'tr',
              { 'data-queue': q.queue },
              el('td', {}, q.labels.join(', ') || '(none)'),
              el('td', {}, String(q.waiting)),
              el('td', {}, String(q.active)),
            ),
          ),
        );
      } catch {
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  };
  void poll();
  stopPage = () => {
    stopped = true;
  };
}

// eslint-disable-next-line no-control-regex -- ANSI escapes are what is removed
const stripAnsi = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, '');

window.addEventListener('popstate', route);
route();
