import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { EventStream } from '../../packages/engine/src/run/event-stream.js';
import { createMasker, SplitMasker } from '../../packages/engine/src/run/mask-secrets.js';
import { runPlan } from '../../packages/engine/src/run/run-plan.js';
import type { RunDeps, RunResult } from '../../packages/engine/src/run/run-plan.js';
import type { RunEvent } from '../../packages/engine/src/run/events.js';
import { planPipeline } from '../../packages/engine/src/plan/plan-pipeline.js';
import type { Plan } from '../../packages/engine/src/plan/plan-types.js';
import { pipelineParseCache } from '../../packages/engine/src/load/pipeline-parse-cache.js';
import type { Executor } from '../../packages/engine/src/exec/executor.js';

export const testGit = {
  sha: 'a'.repeat(40),
  shortSha: 'aaaaaaa',
  branch: 'main',
  ref: 'refs/heads/main',
  tag: '',
  repo: 'test',
};

/** Plans `text` from a shared, frozen parse, as runners and `ferry run` do (load/pipeline-parse-cache.ts). */
export function planYaml(text: string): Plan {
  const { spec, issues } = pipelineParseCache.parse(text, 'test.yml');
  if (!spec || issues.length > 0) throw new Error(`invalid test pipeline: ${JSON.stringify(issues)}`);
  const planned = planPipeline(spec, 'test.yml', { git: testGit });
  if (!planned.plan) throw new Error(`unplannable test pipeline: ${JSON.stringify(planned.issues)}`);
  return planned.plan;
}

export function uniqueRunId(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
}

export function tempWorkspace(files: Record<string, string> = { 'hello.txt': 'hello\n' }): string {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-ws-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

export async function runYaml(
  text: string,
  executor: Executor,
  options: {
    runId?: string;
    concurrency?: number;
    signal?: AbortSignal;
    workspace?: string;
    onEvent?: (event: RunEvent) => void;
    deps?: Partial<RunDeps>;
    /** Secret values by name, given to the run and masked in its events as `ferry run` masks them. */
    secrets?: Record<string, string>;
  } = {},
): Promise<{ result: RunResult; events: RunEvent[] }> {
  const events: RunEvent[] = [];
  const stream = new EventStream(options.runId ?? uniqueRunId('t'), Date.now);
  const secrets = Object.values(options.secrets ?? {});
  if (secrets.length > 0) stream.setMask(createMasker(secrets), new SplitMasker(secrets));
  stream.subscribe((event) => {
    events.push(event);
    options.onEvent?.(event);
  });
  const result = await runPlan(planYaml(text), {
    executor,
    events: stream,
    workspace: options.workspace ?? tempWorkspace(),
    git: testGit,
    concurrency: options.concurrency ?? 4,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.secrets ? { secrets: options.secrets } : {}),
    ...options.deps,
  });
  return { result, events };
}

export async function ferryContainers(docker: Docker, runId?: string): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: [runId ? `ferry.run=${runId}` : 'ferry.run'] } });
}
