// Helpers shared by the deploy bench: docker commands, timing, a free loopback port, polling, cleanup on failure
// or Ctrl-C, and two watchers of a rollout's containers (when the new image stopped running; Docker's events).
import { execFile } from 'node:child_process';
import { get } from 'node:http';
import { createServer } from 'node:net';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export const now = () => performance.now();
export const seconds = (ms) => (ms === undefined ? '–' : (ms / 1000).toFixed(1));

/** Runs `docker ...args`; resolves with trimmed stdout, rejects with stderr in the message. */
export function docker(args, { input } = {}) {
  return new Promise((resolve, reject) => {
    const child = execFile('docker', args, { maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`docker ${args.slice(0, 3).join(' ')} …: ${stderr.trim() || error.message}`));
      else resolve(stdout.trim());
    });
    if (input !== undefined) child.stdin.end(input);
  });
}

/** The same, for cleanup: never throws; reports what failed, except that it was gone already. */
export const tryDocker = (args, warn = console.error) =>
  docker(args).catch(
    (error) => /No such|not found/i.test(error.message) || warn(`cleanup: ${error.message.split('\n')[0]}`),
  );

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Polls `check` every `everyMs` until it returns a truthy value; throws after `timeoutMs`. */
export async function waitFor(what, check, { timeoutMs = 60_000, everyMs = 100 } = {}) {
  const deadline = now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value) return value;
    if (now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
    await sleep(everyMs);
  }
}

const cleanups = new Set();
/** Registers an idempotent cleanup; call the returned function in `finally`. runCleanups() runs the rest on Ctrl-C. */
export function onCleanup(fn) {
  let running;
  const run = () => {
    cleanups.delete(run);
    return (running ??= fn());
  };
  cleanups.add(run);
  return run;
}
export async function runCleanups() {
  for (const run of [...cleanups].reverse())
    await Promise.resolve(run()).catch((error) => console.error(`cleanup: ${error.message}`));
}

/** Whether GET `url` answers 2xx within `timeoutMs` (node:http; a timer keeps the process alive meanwhile). */
export function httpOk(url, timeoutMs = 2000) {
  return new Promise((resolve) => {
    const req = get(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode >= 200 && res.statusCode < 300));
      res.on('error', () => resolve(false));
    });
    req.setTimeout(timeoutMs, () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

/**
 * Polls the running containers labelled `label` every 100 ms while an update runs; stop() polls once more and
 * resolves with the ms since t0 at which the last one running `image` was seen gone (undefined: none ran, or
 * one still runs).
 */
export function watchImageGone(api, label, image, t0) {
  let running = true;
  let seen = false;
  let goneMs;
  const poll = async () => {
    const containers = await api.listContainers({ filters: { label: [label] } }).catch(() => undefined);
    if (!containers) return;
    if (containers.some((c) => c.Image === image)) ((seen = true), (goneMs = undefined));
    else if (seen && goneMs === undefined) goneMs = now() - t0;
  };
  const loop = (async () => {
    while (running) await Promise.all([poll(), sleep(100)]);
  })();
  let stopped;
  return {
    stop: () =>
      (stopped ??= (async () => {
        running = false;
        await loop;
        await poll();
        return goneMs;
      })()),
  };
}

/**
 * Records, from the engine's event stream, the first event of each kind (create, start, health_status: …, kill,
 * die, destroy; exec_* left out) of containers labelled `label` that run `image`. stop() resolves with
 * [action, ms since t0] pairs, by Docker's own timestamps.
 */
export async function recordContainerEvents(api, label, image, t0) {
  const stream = await api.getEvents({ filters: { type: ['container'], label: [label] } });
  const first = new Map();
  let buffer = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    buffer += chunk;
    const lines = buffer.split('\n');
    buffer = lines.pop();
    for (const line of lines) {
      let event;
      try {
        event = JSON.parse(line);
      } catch {
        continue;
      }
      const action = event.Action.replace('health_status: ', '');
      if (event.Actor?.Attributes?.image !== image || action.startsWith('exec_') || first.has(action)) continue;
      first.set(action, event.timeNano / 1e6 - (performance.timeOrigin + t0));
    }
  });
  stream.on('error', () => undefined);
  let stopped;
  return {
    stop: () =>
      (stopped ??= (async () => {
        await sleep(200); // let the last events arrive
        stream.destroy();
        return [...first];
      })()),
  };
}
