// Dispatch through the queue: 1,000 runs of a no-op pipeline (the engine with the fake executor, so Docker is
// not the bottleneck) taken by 4 in-process runners, against the floor: a bare BullMQ queue→worker loop of
// 1,000 no-op jobs on the same Redis with 4 workers. Each side is measured twice: a burst (all 1,000 queued as
// fast as one client can, which gives runs/s; the latency then includes waiting behind the backlog) and a
// paced load below capacity (which gives the latency of an idle fleet).
// Then, unless SHM=0, both bursts once more (each side warm now), with the runners' work dirs on tmpfs (/dev/shm):
// the stub checkout makes 3 inodes per run, and on a disk like this VM's (ext4 without a journal) each new
// inode costs a scan of the recently deleted ones, which is the file system's cost, not dispatch's
// (docs/performance.md). The official ratio stays the first bursts'; the second is printed before it.
// Env: RUNS (1000), WORKERS (4), PACED (200), RATE (paced runs per second, 50), GIT=1 to check out each run
// from a real git mirror (file://) instead of a stub that writes the pipeline file, SHM=0 to skip the tmpfs bursts.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { FakeExecutor } from '@ferry/engine';
import { GitMirrorCheckout, RunQueue, startRunner } from '@ferry/runner';
import { printRatio } from './ratio.mjs';

const RUNS = Number(process.env.RUNS ?? 1000);
const WORKERS = Number(process.env.WORKERS ?? 4);
const PACED = Number(process.env.PACED ?? 200);
const RATE = Number(process.env.RATE ?? 50);
const GIT = process.env.GIT === '1';
const SHM = process.env.SHM !== '0' && existsSync('/dev/shm');
/** BullMQ's script names by sha (null: one of Ferry's own scripts), for the per-phase counts. */
const scriptNames = new Map();
const pipeline = 'name: noop\njobs:\n  noop:\n    image: ferry/busybox:1\n    steps:\n      - run: "true"\n';

const tmp = mkdtempSync(join(tmpdir(), 'ferry-dispatch-'));
const shm = SHM ? mkdtempSync('/dev/shm/ferry-dispatch-') : undefined;
let gitRepo;
const redisServer = await startRedis();
const url = `redis://127.0.0.1:${redisServer.port}`;
try {
  const server = new Redis(url);
  const info = (await server.info('server')).match(/redis_version:(\S+)/)?.[1];
  await server.quit();
  console.log(
    `dispatch: ${RUNS} no-op runs through ${WORKERS} workers (concurrency 1 each), redis ${info}, node ${process.version}`,
  );
  console.log(
    `  checkout: ${GIT ? 'git mirror (file://), a --shared clone per run' : 'stub (writes the pipeline file)'}`,
  );
  const stats = new Redis(url);
  let mark = await commandCounts(stats);
  const floorBurst = await floor(RUNS, 0, 'floor-burst');
  const floorCommands = diffCounts(await commandCounts(stats), mark);
  const floorPaced = await floor(PACED, RATE, 'floor-paced');
  mark = await commandCounts(stats);
  const ferryTrace = new Map();
  const ferryBurst = await ferry(RUNS, 0, 1, ferryTrace);
  const ferryCommands = diffCounts(await commandCounts(stats), mark);
  await stats.quit();
  const ferryPaced = await ferry(PACED, RATE, 2);
  // Same process count and concurrency; each side warmed by its own bursts above.
  const floorWarm = shm ? await floor(RUNS, 0, 'floor-warm') : undefined;
  const ferryShm = shm ? await ferry(RUNS, 0, 3, undefined, shm) : undefined;

  print(`floor: bare BullMQ, burst of ${RUNS}`, floorBurst);
  print(`ferry: runners + engine, burst of ${RUNS}`, ferryBurst);
  print(`floor: bare BullMQ, ${PACED} at ${RATE}/s`, floorPaced);
  print(`ferry: runners + engine, ${PACED} at ${RATE}/s`, ferryPaced);
  if (floorWarm && ferryShm) {
    print(`floor: bare BullMQ, again`, floorWarm);
    print(`ferry: again, work dirs on tmpfs`, ferryShm);
  }
  console.log(
    `  ferry/floor throughput: ${(ferryBurst.perSecond / floorBurst.perSecond).toFixed(2)}; CPU per run floor/ferry: ${(floorBurst.cpuMs / ferryBurst.cpuMs).toFixed(2)}; paced p50 latency: ${ferryPaced.p50.toFixed(1)} ms vs ${floorPaced.p50.toFixed(1)} ms`,
  );
  // Where dispatch goes: Redis commands per run (INFO commandstats around each burst; the runners' idle polls
  // are included), the most frequent first.
  for (let [label, counts] of [
    ['ferry', ferryCommands],
    ['floor', floorCommands],
  ]) {
    const usec = [...counts].filter(([name]) => name.startsWith('usec:')).reduce((sum, [, n]) => sum + n, 0);
    counts = new Map([...counts].filter(([name]) => !name.startsWith('usec:')));
    const total = [...counts.values()].reduce((sum, n) => sum + n, 0);
    const top = [...counts]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(([command, n]) => `${command} ${(n / RUNS).toFixed(1)}`)
      .join(', ');
    console.log(
      `  redis commands per run, ${label}: ${(total / RUNS).toFixed(1)}, ${(usec / RUNS).toFixed(0)} µs of Redis's time (${top})`,
    );
  }
  // Per run and phase, the commands the clients sent (BullMQ's scripts by name), and the socket writes (a
  // write carries one command or a batch: pipelined events, or what auto-pipelining gathered).
  console.log(`  redis per run by phase (ferry burst; commands the clients sent, then socket writes):`);
  for (const [phase, { commands, writes, names }] of ferryTrace) {
    const top = [...names]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 4)
      .map(([name, n]) => `${name} ${(n / RUNS).toFixed(1)}`)
      .join(', ');
    console.log(
      `    ${phase.padEnd(14)} ${commands ? (commands / RUNS).toFixed(1).padStart(5) : '     '}${writes ? ` ${(writes / RUNS).toFixed(1).padStart(5)} writes` : ''}${top ? `   (${top})` : ''}`,
    );
  }
  if (floorWarm && ferryShm) {
    console.log(
      `  again, Ferry's work dirs on tmpfs: ferry/floor throughput ${(ferryShm.perSecond / floorWarm.perSecond).toFixed(2)}; CPU per run floor/ferry: ${(floorWarm.cpuMs / ferryShm.cpuMs).toFixed(2)}`,
    );
    printRatio('dispatch.tmpfs.ferry/bare-bullmq', ferryShm.perSecond / floorWarm.perSecond);
  }
  printRatio('dispatch.ferry/bare-bullmq', ferryBurst.perSecond / floorBurst.perSecond, { atLeast: 0.5 });
} finally {
  redisServer.stop();
  rmSync(tmp, { recursive: true, force: true });
  if (shm) rmSync(shm, { recursive: true, force: true });
}

/** Calls per Redis command so far (INFO commandstats). */
async function commandCounts(redis) {
  const counts = new Map();
  for (const match of (await redis.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) {
    counts.set(match[1], Number(match[2]));
    counts.set(`usec:${match[1]}`, Number(match[3]));
  }
  return counts;
}

function diffCounts(after, before) {
  const diff = new Map();
  for (const [command, n] of after) {
    const delta = n - (before.get(command) ?? 0);
    if (delta > 0 && !command.endsWith('info')) diff.set(command, delta);
  }
  return diff;
}

function print(label, r) {
  console.log(
    `  ${label.padEnd(40)} ${r.perSecond.toFixed(0).padStart(5)} runs/s   enqueue→start p50 ${r.p50.toFixed(1).padStart(7)} ms  p99 ${r.p99.toFixed(1).padStart(7)} ms   (enqueue ${r.enqueuePerSecond.toFixed(0)}/s, CPU ${r.cpuMs.toFixed(2)} ms/run)`,
  );
}

/** The floor: BullMQ alone. Latency is job.timestamp (set by add) → the processor's first line. */
async function floor(count, rate, name) {
  const connection = new Redis(url, { maxRetriesPerRequest: null });
  const queue = new Queue(name, { connection });
  const latencies = [];
  let done = 0;
  let finished;
  const all = new Promise((resolve) => (finished = resolve));
  let lastDone = 0;
  const workerConnections = [];
  const workers = Array.from({ length: WORKERS }, () => {
    const workerConnection = new Redis(url, { maxRetriesPerRequest: null });
    workerConnections.push(workerConnection);
    const worker = new Worker(
      name,
      async (job) => {
        latencies.push(Date.now() - job.timestamp);
      },
      { connection: workerConnection, concurrency: 1 },
    );
    worker.on('completed', () => {
      done += 1;
      lastDone = Date.now();
      if (done === count) finished();
    });
    return worker;
  });
  await Promise.all(workers.map((worker) => worker.waitUntilReady()));
  const cpu = process.cpuUsage();
  const started = Date.now();
  for (let i = 0; i < count; i += 1) {
    await pace(started, i, rate);
    await queue.add('noop', { i }, { removeOnComplete: true });
  }
  const enqueued = Date.now();
  await all;
  const cpuUsed = process.cpuUsage(cpu);
  await Promise.all(workers.map((worker) => worker.close()));
  await queue.obliterate({ force: true });
  await queue.close();
  await connection.quit();
  await Promise.all(workerConnections.map((workerConnection) => workerConnection.quit()));
  return summarize(latencies, count, started, lastDone, enqueued, cpuUsed);
}

/** Ferry: RunQueue.enqueue → runners (startRunner) → engine runPlan with a no-op executor → result reported. */
async function ferry(count, rate, db, traced, base = tmp) {
  const dbUrl = `${url}/${db}`;
  const client = new Redis(dbUrl, { maxRetriesPerRequest: null });
  if (traced) trace(client, traced, 'enqueue');
  const queue = new RunQueue(client);
  const repo = GIT ? (gitRepo ??= makeRepo()) : undefined;
  const connections = [];
  const connect = () => {
    const connection = new Redis(dbUrl, { maxRetriesPerRequest: null });
    connection.on('error', () => undefined);
    if (traced) trace(connection, traced);
    connections.push(connection);
    return connection;
  };
  const runners = await Promise.all(
    Array.from({ length: WORKERS }, (_, i) => {
      const workdir = join(base, `runner-${db}-${i}`);
      const checkout = GIT
        ? new GitMirrorCheckout(join(workdir, 'mirrors'))
        : {
            async checkout(request, target) {
              mkdirSync(target, { recursive: true });
              writeFileSync(join(target, 'ferry.yml'), pipeline);
              return { sha: request.sha, cloned: false, fetched: false };
            },
          };
      return startRunner(
        {
          connect,
          checkout,
          createExecutor: () => new FakeExecutor(),
          secrets: { env: {} },
          isProcessAlive: () => false,
        },
        {
          id: `bench-${db}-${i}`,
          host: 'bench',
          pid: 100_000 + i,
          version: 'bench',
          labels: [],
          concurrency: 1,
          jobConcurrency: 4,
          workdir,
          leaseMs: 30_000,
          retryBackoffMs: 1000,
          pollMs: 1000,
          heartbeatMs: 5000,
          retentionMs: 3600_000,
          eventsMaxLen: 1000,
        },
      );
    }),
  );
  const sha = repo?.sha ?? '0'.repeat(40);
  const repoUrl = repo ? `file://${repo.dir}` : 'file:///bench';
  const ids = [];
  const cpu = process.cpuUsage();
  const started = Date.now();
  for (let i = 0; i < count; i += 1) {
    await pace(started, i, rate);
    ids.push((await queue.enqueue({ repo: repoUrl, sha })).runId);
  }
  const enqueued = Date.now();
  for (;;) {
    const counts = await client.zcard('ferry:q:runs:completed');
    if (counts >= count) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const cpuUsed = process.cpuUsage(cpu);
  // What follows (reading the records back, stopping) is not dispatch.
  if (traced) traced.stopped = true;
  const records = await Promise.all(ids.map((id) => queue.get(id)));
  const bad = records.filter((record) => record?.status !== 'success');
  if (bad.length > 0) throw new Error(`${bad.length} runs did not succeed: ${JSON.stringify(bad[0])}`);
  const latencies = records.map((record) => record.firstStartedAt - record.enqueuedAt);
  const lastDone = Math.max(...records.map((record) => record.finishedAt));
  await Promise.all(runners.map((runner) => runner.stop({ graceMs: 1000 })));
  await queue.close();
  await client.flushdb();
  await client.quit();
  for (const connection of connections) connection.disconnect();
  return summarize(latencies, count, started, lastDone, enqueued, cpuUsed);
}

/** Which part of dispatch a command belongs to: by its name, or for a script by its name or keys. */
function phaseOf(connection, command) {
  const [first, numkeys, ...rest] = command.args.map(String);
  if (command.name === 'evalsha' || command.name === 'eval') {
    if (!scriptNames.has(first)) {
      for (const [name, script] of Object.entries(connection.scriptsSet ?? {})) scriptNames.set(script.sha, name);
      if (!scriptNames.has(first)) scriptNames.set(first, null);
    }
    const bullmq = scriptNames.get(first);
    if (bullmq) {
      const name = bullmq.replace(/:.*/, '');
      if (name === 'moveToActive') return ['fetch', name];
      if (name === 'moveToFinished') return ['result', name];
      if (name === 'addStandardJob') return ['enqueue', name];
      if (name === 'extendLock') return ['lease', name];
      return ['other', name];
    }
    // Ferry's record scripts, told apart by their keys (record-scripts.ts).
    const keys = rest.slice(0, Number(numkeys));
    if (keys.length === 3 && keys[2] === 'ferry:queues') return ['enqueue', 'create script'];
    if (keys.length === 3) return ['claim', 'claim script'];
    if (keys.length === 2) return ['result', 'finish script'];
    if (keys[0]?.endsWith(':events')) return ['events', 'events script'];
    return ['other', 'record script'];
  }
  if (command.name === 'xadd') return ['events', 'xadd'];
  if (['multi', 'exec', 'hset', 'pexpire', 'zadd'].includes(command.name)) return ['heartbeat', command.name];
  return ['other', command.name];
}

/**
 * Counts what `connection` sends into `into`: commands by phase (phaseOf; `fixed` for every command of a
 * producer's connection), and socket writes (one write carries a command, or a batch of them).
 */
function trace(connection, into, fixed) {
  const entry = (phase) => {
    let e = into.get(phase);
    if (!e) into.set(phase, (e = { commands: 0, writes: 0, names: new Map() }));
    return e;
  };
  const send = connection.sendCommand.bind(connection);
  // Each command is written as it is sent (no auto-pipelining): a write belongs to the last command's side.
  let writer = fixed ? 'enqueue writes' : 'runner writes';
  connection.sendCommand = (command, stream, node) => {
    if (into.stopped) return send(command, stream, node);
    const [phase, name] = phaseOf(connection, command);
    // The bench's own polls of the completed count are not dispatch.
    const own = command.name === 'zcard';
    writer = own ? 'bench polls' : fixed ? 'enqueue writes' : 'runner writes';
    const e = entry(own ? 'bench polls' : (fixed ?? phase));
    e.commands += 1;
    e.names.set(name, (e.names.get(name) ?? 0) + 1);
    return send(command, stream, node);
  };
  connection.on('connect', () => {
    const socket = connection.stream;
    const write = socket.write.bind(socket);
    socket.write = (...args) => {
      if (into.stopped) return write(...args);
      entry(writer).writes += 1;
      return write(...args);
    };
  });
}

function summarize(latencies, count, started, lastDone, enqueued, cpuUsed) {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return {
    perSecond: (count * 1000) / (lastDone - started),
    p50: at(0.5),
    p99: at(0.99),
    enqueuePerSecond: (count * 1000) / Math.max(1, enqueued - started),
    // This process's CPU (enqueuing, the runners or workers, the engine) per run, in ms: less bent by the other
    // load on the machine than runs/s.
    cpuMs: (cpuUsed.user + cpuUsed.system) / 1000 / count,
  };
}

async function pace(started, i, rate) {
  if (!rate) return;
  const due = started + (i * 1000) / rate;
  const wait = due - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}

function makeRepo() {
  const dir = join(tmp, 'repo');
  mkdirSync(dir);
  writeFileSync(join(dir, 'ferry.yml'), pipeline);
  const git = (...args) =>
    execFileSync('git', args, {
      cwd: dir,
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'b',
        GIT_AUTHOR_EMAIL: 'b@b',
        GIT_COMMITTER_NAME: 'b',
        GIT_COMMITTER_EMAIL: 'b@b',
      },
    })
      .toString()
      .trim();
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-qm', 'bench');
  return { dir, sha: git('rev-parse', 'HEAD') };
}

async function startRedis() {
  const port = await new Promise((resolve) => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tmp],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 100; i += 1) {
    try {
      const probe = new Redis({ port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
      probe.on('error', () => undefined);
      await probe.connect();
      await probe.ping();
      probe.disconnect();
      break;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return { port, stop: () => child.kill('SIGTERM') };
}
