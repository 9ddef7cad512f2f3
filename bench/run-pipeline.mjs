// Shared by the benchmarks: plan a pipeline text and run it in-process on the local Docker engine.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { DockerExecutor, EventStream, parsePipeline, planPipeline, runPlan } from '@ferry/engine';

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
 * `run.finished`, the result reported) and the events. Throws when the run does not succeed.
 */
export async function runPipelineText(text, { concurrency = 8 } = {}) {
  const { spec, issues } = parsePipeline(text, 'bench.yml');
  if (!spec || issues.length) throw new Error(JSON.stringify(issues));
  const planned = planPipeline(spec, 'bench.yml', { git });
  if (!planned.plan) throw new Error(JSON.stringify(planned.issues));
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
  const result = await runPlan(planned.plan, {
    executor: new DockerExecutor({ docker }),
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

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
