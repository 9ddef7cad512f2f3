import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, describe, expect, it } from 'vitest';
import { DockerExecutor } from '../../packages/engine/src/exec/docker/docker-executor.js';
import type { RunEvent } from '../../packages/engine/src/run/events.js';
import { ferryContainers, runYaml, tempWorkspace, uniqueRunId } from '../helpers/run-yaml.js';

const docker = new Docker();
const executor = new DockerExecutor({ docker });
const runIds: string[] = [];
const newRunId = () => {
  const id = uniqueRunId('steps');
  runIds.push(id);
  return id;
};
const stdout = (events: RunEvent[], job: string) =>
  events.flatMap((e) => (e.type === 'step.log' && e.job === job && e.stream === 'stdout' ? [e.line] : []));
const finished = (events: RunEvent[], job: string) =>
  events.flatMap((e) => (e.type === 'step.finished' && e.job === job ? [`${e.step} ${e.status}`] : []));

function workspaceWithVersion(version: string): string {
  const dir = tempWorkspace();
  mkdirSync(join(dir, 'packages/api'), { recursive: true });
  writeFileSync(join(dir, 'packages/api/VERSION'), `${version}\n`);
  return dir;
}

afterAll(async () => {
  for (const id of runIds) expect(await ferryContainers(docker, id)).toEqual([]);
});

describe('steps on the Docker engine', () => {
  it('passes step outputs, $FERRY_ENV, $FERRY_PATH, shells and workdirs on to later steps and jobs', async () => {
    const { result, events } = await runYaml(
      `
jobs:
  build:
    image: ferry/bash:1
    outputs:
      version: \${{ steps.version.outputs.version }}
      pipe: \${{ steps.pipe.outcome }}
    steps:
      - id: version
        workdir: packages/api
        run: |
          echo "version=$(cat VERSION)" >> "$FERRY_OUTPUT"
          echo "in $(pwd)"
      - if: steps.version.outputs.version == '2.0.1'
        run: |
          echo "RELEASE=\${{ steps.version.outputs.version }}" >> "$FERRY_ENV"
          printf 'CHANGES<<EOF\\nfirst change\\nsecond = change\\nEOF\\n' >> "$GITHUB_ENV"
          mkdir -p /tmp/tools
          printf '#!/bin/sh\\necho "hello from the tool"\\n' > /tmp/tools/hello
          chmod +x /tmp/tools/hello
          echo /tmp/tools >> "$FERRY_PATH"
      - if: steps.version.outputs.version == 'other'
        run: echo never
      - shell: bash
        run: |
          words=(release "$RELEASE")
          [[ "\${words[1]}" == 2.0.1 ]] && echo "bash sees \${words[*]}"
          echo "$CHANGES"
          hello
      - id: pipe
        shell: bash
        allowFailure: true
        run: |
          false | true
          echo "not reached"
      - if: steps.pipe.outcome == 'failure' && steps.pipe.conclusion == 'success'
        run: false | true; echo "sh -e lets a failing pipe through"
  release:
    needs: build
    image: ferry/busybox:1
    if: jobs.build.outputs.version == '2.0.1'
    steps:
      - run: echo "releasing \${{ jobs.build.outputs.version }} (pipe \${{ jobs.build.outputs.pipe }})"
`,
      executor,
      { runId: newRunId(), workspace: workspaceWithVersion('2.0.1') },
    );
    expect(result.status, JSON.stringify(result.jobs)).toBe('success');
    expect(stdout(events, 'build')).toEqual([
      'in /workspace/packages/api',
      'bash sees release 2.0.1',
      'first change',
      'second = change',
      'hello from the tool',
      'sh -e lets a failing pipe through',
    ]);
    expect(finished(events, 'build')).toEqual(['0 success', '1 success', '3 success', '4 failed', '5 success']);
    expect(result.jobs.find((job) => job.id === 'build')?.outputs).toEqual({
      version: '2.0.1',
      pipe: 'failure',
    });
    expect(stdout(events, 'release')).toEqual(['releasing 2.0.1 (pipe failure)']);
  });

  it('fails a step whose shell or workdir is missing with a message naming them, and masks secrets passed through $FERRY_ENV', async () => {
    const { result, events } = await runYaml(
      `
jobs:
  missing:
    image: ferry/busybox:1
    defaults: { shell: bash }
    secrets: [DEPLOY_TOKEN]
    steps:
      - shell: sh
        run: echo "COPY=token:$DEPLOY_TOKEN" >> "$FERRY_ENV"
      - shell: sh
        run: echo "later step sees $COPY"
      - id: bash
        run: echo never
        allowFailure: true
      - if: steps.bash.outcome == 'failure'
        shell: sh
        workdir: not/there
        run: echo never
`,
      executor,
      { runId: newRunId(), secrets: { DEPLOY_TOKEN: 'tok-8c1f2e9d' } },
    );
    expect(result.status).toBe('failed');
    expect(stdout(events, 'missing')).toEqual(['later step sees token:***']);
    const stderr = events.flatMap((e) => (e.type === 'step.log' && e.stream === 'stderr' ? [e.line] : []));
    expect(stderr).toEqual([
      'the shell "bash" is not in image ferry/busybox:1 (use an image that has it, or shell: sh)',
      'the workdir /workspace/not/there does not exist in the container (create it in an earlier step, or fix workdir:)',
    ]);
    expect(result.jobs[0]?.reason).toMatch(/^step "echo never": the workdir \/workspace\/not\/there /);
    expect(JSON.stringify(events)).not.toContain('tok-8c1f2e9d');
  });
});
