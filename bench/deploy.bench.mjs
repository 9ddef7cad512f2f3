// The same rollouts with Ferry and with Docker Swarm, under the same load: 4 replicas of a busybox httpd
// service, one at a time, start-first, 1 s pause between batches, 5 s monitor, health every 1 s with 2 retries,
// an init as PID 1. Prints, per system: the good rollout v1 → v2 in seconds; for the bad update v2 → v3 (its
// health check fails) the seconds until the old version serves alone and the update has settled, and until
// the rollback began; and the failed requests during each (non-2xx, reset/connection error, or > 2 s) out of
// all sent by 4 keep-alive clients in a loop plus 100 req/s on fresh connections against /version. Also when
// the last v3 container stopped, and a timeline of the bad update (the system's own events, v3's container events).
//
// Ferry runs in process (its proxy, the Docker provider, rollOut). Swarm runs as a single-node swarm with the
// service in dnsrr mode behind a small round-robin TCP forwarder container (the routing mesh needs IPVS,
// absent here). Build first (npx tsc -b); needs the local ferry/busybox:1 and ferry/node:20 images.
// SYSTEMS=ferry,swarm (default both) picks what runs. Everything created is removed at the end, or on Ctrl-C.
import { ferrySpec, runFerry } from './deploy/ferry.mjs';
import { buildImages, removeImages } from './deploy/images.mjs';
import { runSwarm, swarmFlags } from './deploy/swarm.mjs';
import { now, runCleanups, seconds } from './deploy/util.mjs';
import { printRatio } from './ratio.mjs';

const started = now();
const log = (line) => console.error(`[${seconds(now() - started).padStart(5)}s] ${line}`);
const runners = { ferry: runFerry, swarm: runSwarm };
const systems = (process.env.SYSTEMS ?? 'ferry,swarm')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
for (const system of systems)
  if (!runners[system]) throw new Error(`unknown system ${system}; expected ferry and/or swarm`);

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    if (interrupted) return;
    interrupted = true;
    log(`${signal}: cleaning up`);
    await runCleanups();
    await removeImages(log);
    process.exit(130);
  });
}

const results = {};
try {
  log('building images');
  await buildImages();
  for (const system of systems) {
    try {
      results[system] = await runners[system]({ log });
    } catch (error) {
      if (interrupted) break;
      log(`${system} failed: ${error.stack ?? error.message}`);
      results[system] = { error: error.message.split('\n')[0] };
    }
  }
} finally {
  await runCleanups();
  await removeImages(log);
}
if (!interrupted) {
  printReport();
  const ferry = results.ferry;
  const swarm = results.swarm;
  if (ferry && swarm && !ferry.error && !swarm.error) {
    // Ferry's time / Swarm's, on this machine in this run (the goals are the deploy issue's).
    printRatio('deploy.good-rollout/swarm', ferry.good.settledMs / swarm.good.settledMs, { atMost: 0.7 });
    printRatio('deploy.bad-settled/swarm', ferry.bad.settledMs / swarm.bad.settledMs, { atMost: 0.5 });
  } else {
    printRatio('deploy.good-rollout/swarm', NaN);
  }
  process.exitCode = systems.some((s) => results[s].error || results[s].checks.length > 0) ? 1 : 0;
}

function printReport() {
  const cell = (system, value) => (results[system].error ? 'error' : value(results[system]));
  const failed = (phase) => (r) => `${r[phase].load.failed} / ${r[phase].load.requests}`;
  const rows = [
    ['good rollout v1→v2 (s)', (r) => seconds(r.good.settledMs)],
    ['bad v2→v3 settled (s)', (r) => seconds(r.bad.settledMs)],
    ['bad: rollback began (s)', (r) => seconds(r.bad.rollbackMs)],
    ['bad: last v3 stopped (s)', (r) => seconds(r.bad.newGoneMs)],
    ['failed requests (good)', failed('good')],
    ['failed requests (bad)', failed('bad')],
    ['v3 responses (bad)', (r) => String(r.bad.load.bodies.v3 ?? 0)],
  ];
  const width = 14;
  console.log(`\n${''.padEnd(26)}${systems.map((s) => s.padEnd(width)).join('')}`);
  for (const [label, value] of rows)
    console.log(`${label.padEnd(26)}${systems.map((s) => cell(s, value).padEnd(width)).join('')}`);

  console.log('');
  for (const system of systems) {
    const r = results[system];
    if (r.error) {
      console.log(`${system}: error: ${r.error}`);
      continue;
    }
    for (const phase of ['good', 'bad']) {
      const { failures, failedAt, bodies } = r[phase].load;
      const served = Object.entries(bodies)
        .map(([body, n]) => `${body} ${n}`)
        .join(', ');
      const why = Object.entries(failures)
        .map(([reason, n]) => `${reason} ×${n}`)
        .join(', ');
      console.log(
        `${system} ${phase}: served ${served}${why ? `; failed: ${why}; at ${when(failedAt)} after the update began` : ''}`,
      );
    }
    const timeline = [...r.bad.timeline].sort((a, b) => a[1] - b[1]).map(([what, ms]) => `${what} ${seconds(ms)}`);
    console.log(`${system} bad, timeline (s; container events are v3's): ${timeline.join(', ')}`);
    if (r.forwarderErrors)
      console.log(
        `${system}: forwarder upstream connect errors: good ${r.forwarderErrors.good}, bad ${r.forwarderErrors.bad}`,
      );
    for (const check of r.checks) console.log(`${system}: CHECK FAILED: ${check}`);
  }

  const spec = ferrySpec('<image>', '<port>');
  console.log(`
Load: 4 keep-alive clients in a loop + 100 req/s on fresh connections, from 1 s before the update to 1 s after it
  settled. busybox httpd closes every connection after its response, so only the client→Ferry-proxy hop is kept alive;
  through the Swarm forwarder every request is a new TCP connection to a task.
"last v3 stopped": the first 100 ms poll of running containers that found no v3 container any more.
Ferry: in-process proxy + rollOut; health ${JSON.stringify(spec.health)} probed from the host (a starting replica
  every 100 ms, its default startInterval; failures count at most once per interval), rolling ${JSON.stringify(spec.strategy.rolling)},
  stopGrace 2s. "settled" = rollOut returned; "rollback began" = the deploy.rollback event.
Swarm: ${swarmFlags.join(' ')}
  --init --stop-grace-period 2s; HEALTHCHECK --interval=1s --timeout=1s --retries=2 CMD wget /healthz (first check 1 s
  after start). "settled" = UpdateStatus completed / rollback_completed (which includes the rollback's own delay and
  monitor); "rollback began" = rollback_started first seen (UpdateStatus polled every 100 ms).
  No routing mesh here (no IPVS): the service runs with --endpoint-mode dnsrr behind a naive round-robin TCP forwarder
  container (re-resolves tasks.<service> every 200 ms, no health checks, no retries): a connection it sends to a task
  that has stopped fails, as it would for any Swarm user without the mesh, and counts among Swarm's failed requests
  (its own connect errors are listed above). Swarm takes a task out of DNS and then waits 2 s (moby's
  defaultGossipConvergeDelay) before stopping it, so a resolver this fast does not reach a stopping task.
Took ${seconds(now() - started)} s.`);
}

/** "3.1s ×4, 7.9s ×2": failure times after the update started, grouped by tenth of a second. */
function when(times) {
  const groups = new Map();
  for (const t of times) groups.set(seconds(t), (groups.get(seconds(t)) ?? 0) + 1);
  const parts = [...groups].map(([t, n]) => `${t}s${n > 1 ? ` ×${n}` : ''}`);
  return parts.length > 12 ? `${parts.slice(0, 12).join(', ')}, … (${parts.length} groups)` : parts.join(', ');
}
