// Shared by the benchmarks: plan a pipeline text and run it in-process on the local Docker engine.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { DockerExecutor, EventStream, parsePipeline, planPipeline, poolSlot, runPlan } from '@ferry/engine';

export const docker = new Docker();
const git = {
  sha: '0'.repeat(40),
  shortSha: '0000000',
  branch: 'bench',
  ref: 'refs/heads/bench',
  tag: '',
  repo: 'bench',
};

/**
 * Returns wall time in ms (until runPlan resolves: the run's containers and network removed), resultMs (until
 * `run.finished`, the result reported) and the events. Throws when the run does not succeed. With a pool
 * (a ContainerPool), jobs take its pre-started containers, and wall time ends before their removal (the pool's).
 */
export async function runPipelineText(text, { concurrency = 8, pool } = {}) {
  const plan = planText(text);
  const workspace = mkdtempSync(join(tmpdir(), 'ferry-bench-'));
  writeFileSync(join(workspace, 'README'), 'bench workspace\n');
  const events = [];
  const stream = new EventStream(`bench-${Date.now().toString(36)}`, Date.now);
  const started = performance.now();
  let resultMs;
  stream.subscribe((e) => {
    events.push(e);
    if (e.type === 'run.finished') resultMs = performance.now() - started;
  });
  const result = await runPlan(plan, {
    executor: new DockerExecutor({ docker, ...(pool ? { pool } : {}) }),
    events: stream,
    workspace,
    git,
    concurrency,
  });
  const wallMs = performance.now() - started;
  rmSync(workspace, { recursive: true, force: true });
  if (result.status !== 'success') throw new Error(`bench run ${result.status}: ${JSON.stringify(result.jobs)}`);
  return { wallMs, resultMs, events };
}

function planText(text) {
  const { spec, issues } = parsePipeline(text, 'bench.yml');
  if (!spec || issues.length) throw new Error(JSON.stringify(issues));
  const planned = planPipeline(spec, 'bench.yml', { git });
  if (!planned.plan) throw new Error(JSON.stringify(planned.issues));
  return planned.plan;
}

/**
 * Before the clock, as the floor's container is started before it: fills the pool for the pipeline's jobs (up
 * to the pool's size per slot) and waits until no start or removal (of an earlier round) is in flight.
 */
export async function warmPool(pool, text) {
  const slots = new Map();
  for (const job of planText(text).jobs) {
    const slot = poolSlot(job, undefined);
    if (slot) slots.set(slot.key, slot);
  }
  for (const slot of slots.values()) await pool.warm(slot);
  await pool.settled();
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
