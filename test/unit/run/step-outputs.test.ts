import { describe, expect, it } from 'vitest';
import { FakeExecutor } from '../../../packages/engine/src/exec/fake-executor.js';
import type { RunEvent } from '../../../packages/engine/src/run/events.js';
import { runYaml } from '../../helpers/run-yaml.js';

const stdout = (events: RunEvent[], job: string) =>
  events.flatMap((e) => (e.type === 'step.log' && e.job === job && e.stream === 'stdout' ? [e.line] : []));
const skipped = (events: RunEvent[]) =>
  events.flatMap((e) => (e.type === 'step.skipped' ? [`${e.step}: ${e.reason}`] : []));

describe('step ids and step outputs', () => {
  it("gives later steps a step's outputs, outcome and conclusion, and maps them to job outputs another job reads", async () => {
    const { result, events } = await runYaml(
      `
jobs:
  build:
    image: x
    outputs:
      version: \${{ steps.version.outputs.v }}
      flaky: \${{ steps.flaky.outcome }}/\${{ steps.flaky.conclusion }}
      never: \${{ steps.never.conclusion }}
    steps:
      - id: version
        run: echo v=1.2.3 >> $FERRY_OUTPUT
      - id: flaky
        run: exit 3
        allowFailure: true
      - id: never
        if: steps.version.outputs.v == '9.9.9'
        run: echo never
      - if: steps.version.outputs.v == '1.2.3' && steps.flaky.outcome == 'failure'
        env: { V: "\${{ steps.version.outputs.v }}" }
        run: echo "version $V, flaky \${{ steps.flaky.conclusion }}, never \${{ steps.never.outcome }}"
      - run: echo legacy=kept >> $FERRY_OUTPUT
  use:
    needs: build
    image: x
    if: jobs.build.outputs.version == '1.2.3'
    steps:
      - run: echo "\${{ jobs.build.outputs.version }} \${{ jobs.build.outputs.flaky }} \${{ jobs.build.outputs.never }} \${{ jobs.build.outputs.legacy }}"
`,
      new FakeExecutor(),
    );
    expect(result.status).toBe('success');
    expect(stdout(events, 'build')).toEqual(['version 1.2.3, flaky success, never skipped']);
    expect(skipped(events)).toEqual([`2: if "steps.version.outputs.v == '9.9.9'" was false`]);
    expect(result.jobs.find((job) => job.id === 'build')?.outputs).toEqual({
      v: '1.2.3',
      legacy: 'kept',
      version: '1.2.3',
      flaky: 'failure/success',
      never: 'skipped',
    });
    expect(stdout(events, 'use')).toEqual(['1.2.3 failure/success skipped kept']);
  });

  it('records a step that failed before it started as a failure, seen by always() steps', async () => {
    const { result, events } = await runYaml(
      `
jobs:
  a:
    image: ferry/busybox:1
    steps:
      - id: bash
        shell: bash
        run: echo never
      - if: always()
        run: echo "\${{ steps.bash.outcome }}"
`,
      new FakeExecutor({ shells: { 'ferry/busybox:1': ['sh'] } }),
    );
    expect(result.jobs[0]?.status).toBe('failed');
    expect(result.jobs[0]?.reason).toBe(
      'step "echo never": the shell "bash" is not in image ferry/busybox:1 (use an image that has it, or shell: sh)',
    );
    expect(stdout(events, 'a')).toEqual(['failure']);
  });

  it('fails a job whose outputs: cannot be rendered, keeping the others', async () => {
    const { result, events } = await runYaml(
      `
jobs:
  a:
    image: x
    outputs:
      parsed: \${{ fromJSON(steps.data.outputs.json).name }}
      raw: \${{ steps.data.outputs.json }}
    steps:
      - id: data
        run: echo "json={not json" >> $FERRY_OUTPUT
`,
      new FakeExecutor(),
    );
    expect(result.jobs[0]?.status).toBe('failed');
    expect(result.jobs[0]?.reason).toMatch(/^outputs\.parsed: /);
    expect(result.jobs[0]?.outputs).toEqual({ json: '{not json', raw: '{not json' });
    expect(events.some((e) => e.type === 'job.log' && e.line.startsWith('outputs.parsed: '))).toBe(true);
  });
});

describe('$FERRY_ENV and $FERRY_PATH', () => {
  it("changes the environment of later steps: over the job's env, under the step's own", async () => {
    const { result, events } = await runYaml(
      `
jobs:
  a:
    image: x
    env: { FROM_JOB: job, OVERRIDDEN: job }
    steps:
      - run: echo "$ADDED-$FROM_JOB"
      - run: |
          echo ADDED=yes >> $FERRY_ENV
          echo OVERRIDDEN=env-file >> $FERRY_ENV
          printf 'NOTES<<EOF\\nline 1\\nline 2\\nEOF\\n' >> $GITHUB_ENV
      - run: echo "$ADDED $OVERRIDDEN \${{ env.ADDED }}"
      - env: { ADDED: step }
        run: echo "$ADDED"
      - run: echo "$NOTES"
`,
      new FakeExecutor(),
    );
    expect(result.status).toBe('success');
    expect(stdout(events, 'a')).toEqual(['-job', 'yes env-file yes', 'step', 'line 1', 'line 2']);
  });

  it('puts $FERRY_PATH directories before PATH for later steps, the newest first', async () => {
    const { events } = await runYaml(
      `
jobs:
  a:
    image: x
    steps:
      - run: echo /opt/a >> $FERRY_PATH
      - run: printf '/opt/b\\n/opt/c\\n' >> $GITHUB_PATH
      - run: echo /opt/a >> $FERRY_PATH
      - run: echo "$PATH"
`,
      new FakeExecutor(),
    );
    expect(stdout(events, 'a')[0]?.split(':').slice(0, 4)).toEqual(['/opt/a', '/opt/c', '/opt/b', '/usr/local/bin']);
  });

  it('masks a secret that a step passes on through $FERRY_ENV', async () => {
    const { result, events } = await runYaml(
      `
jobs:
  a:
    image: x
    secrets: [TOKEN]
    steps:
      - run: echo "COPY=prefix-$TOKEN-suffix" >> $FERRY_ENV
      - run: echo "copy is $COPY"
`,
      new FakeExecutor(),
      { secrets: { TOKEN: 's3cr3t-value' } },
    );
    expect(result.status).toBe('success');
    expect(stdout(events, 'a')).toEqual(['copy is prefix-***-suffix']);
    expect(JSON.stringify(events)).not.toContain('s3cr3t-value');
  });
});

describe('workdir and shell', () => {
  it('runs a step in its workdir relative to the job workdir, and fails one whose directory is missing', async () => {
    const { result, events } = await runYaml(
      `
jobs:
  a:
    image: x
    defaults: { workdir: app }
    steps:
      - workdir: .
        run: mkdir -p app/src
      - run: pwd
      - workdir: app/src
        run: pwd
      - workdir: /nowhere
        run: pwd
`,
      new FakeExecutor(),
    );
    expect(stdout(events, 'a')).toEqual(['/workspace/app', '/workspace/app/src']);
    expect(result.jobs[0]?.reason).toBe(
      'step "pwd": the workdir /nowhere does not exist in the container (create it in an earlier step, or fix workdir:)',
    );
  });
});
