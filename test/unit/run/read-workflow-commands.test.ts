import { describe, expect, it } from 'vitest';
import {
  commandEffect,
  parseWorkflowCommand,
  readWorkflowCommands,
} from '../../../packages/engine/src/run/read-workflow-commands.js';
import { FakeExecutor } from '../../../packages/engine/src/exec/fake-executor.js';
import type { RunEvent } from '../../../packages/engine/src/run/events.js';
import { runYaml } from '../../helpers/run-yaml.js';

const effectOf = (line: string) => {
  const command = parseWorkflowCommand(line);
  return command ? commandEffect(command) : undefined;
};

describe('parseWorkflowCommand', () => {
  it('reads the name, properties and message, unescaping as @actions/core escapes them', () => {
    expect(parseWorkflowCommand('::set-output name=a%3Ab%2Cc::50%25%0Adone')).toEqual({
      name: 'set-output',
      properties: { name: 'a:b,c' },
      message: '50%\ndone',
    });
    expect(parseWorkflowCommand('  ::error file=src/a.ts,line=3,col=7,title=Bad::it broke\r')).toEqual({
      name: 'error',
      properties: { file: 'src/a.ts', line: '3', col: '7', title: 'Bad' },
      message: 'it broke',
    });
    expect(parseWorkflowCommand('::endgroup::')).toEqual({ name: 'endgroup', properties: {}, message: '' });
  });

  it('leaves ordinary lines alone', () => {
    expect(parseWorkflowCommand('echo ::add-mask::x')).toBeUndefined();
    expect(parseWorkflowCommand(':: not a command')).toBeUndefined();
    expect(parseWorkflowCommand('::no end')).toBeUndefined();
  });

  it('turns commands into effects: mask, output, a readable line, or nothing', () => {
    expect(effectOf('::add-mask::s3cr3t')).toEqual({ kind: 'mask', value: 's3cr3t' });
    expect(effectOf('::add-mask::  ')).toEqual({ kind: 'none' });
    expect(effectOf('::set-output name=version::1.2.3')).toEqual({ kind: 'output', name: 'version', value: '1.2.3' });
    expect(effectOf('::set-output::no name')).toEqual({ kind: 'none' });
    expect(effectOf('::warning file=a.js,line=2::careful')).toEqual({ kind: 'line', line: 'warning: a.js:2: careful' });
    expect(effectOf('::notice title=Note::hello')).toEqual({ kind: 'line', line: 'notice: Note: hello' });
    expect(effectOf('::group::Install')).toEqual({ kind: 'line', line: '▸ Install' });
    expect(effectOf('::endgroup::')).toEqual({ kind: 'none' });
    expect(effectOf('::debug::internals')).toEqual({ kind: 'none' });
    expect(effectOf('::save-state name=pid::42')).toEqual({ kind: 'none' });
    expect(effectOf('::something-new::x')).toEqual({ kind: 'keep' });
    expect(effectOf('::stop-commands::pause-1')).toEqual({ kind: 'stop', token: 'pause-1' });
  });

  it('shows lines as they are between ::stop-commands::<token> and ::<token>::', () => {
    const shown: string[] = [];
    const masked: string[] = [];
    const reader = readWorkflowCommands({ line: (_, line) => shown.push(line), mask: (value) => masked.push(value) });
    for (const line of [
      '::stop-commands::tok',
      '::add-mask::not-a-mask',
      '::set-output name=x::no',
      '::tok::',
      '::add-mask::real',
      '::set-output name=y::yes',
      'plain',
    ])
      reader.onLine('stdout', line);
    expect(shown).toEqual(['::add-mask::not-a-mask', '::set-output name=x::no', 'plain']);
    expect(masked).toEqual(['real']);
    expect(reader.outputs).toEqual({ y: 'yes' });
  });
});

const logs = (events: RunEvent[]) => events.flatMap((e) => (e.type === 'step.log' ? [e.line] : []));

describe('workflowCommands: true on a step', () => {
  it('masks add-mask values in every later event, and sets outputs from set-output', async () => {
    const { result, events } = await runYaml(
      `
jobs:
  a:
    image: x
    steps:
      - id: gen
        name: generate
        workflowCommands: true
        run: |
          echo "::add-mask::hunter22"
          echo "::set-output name=word::hunter22-and-more"
          echo "::group::Details"
          echo "the word is hunter22"
      - run: echo "later hunter22 \${{ steps.gen.outputs.word }}"
`,
      new FakeExecutor(),
    );
    expect(result.status).toBe('success');
    expect(logs(events)).toEqual(['▸ Details', 'the word is ***', 'later *** ***-and-more']);
    expect(JSON.stringify(events)).not.toContain('hunter22');
  });

  it('leaves a native step printing the same lines unchanged', async () => {
    const { events } = await runYaml(
      'jobs:\n  a:\n    image: x\n    steps:\n      - run: |\n          echo "::add-mask::plain"\n          echo "plain"\n',
      new FakeExecutor(),
    );
    expect(logs(events)).toEqual(['::add-mask::plain', 'plain']);
  });

  it("names the action and the image when a JavaScript action's image has no node (EXEC_NODE_MISSING)", async () => {
    const { result, events } = await runYaml(
      `
jobs:
  a:
    image: ferry/busybox:1
    steps:
      - name: acme/greet@v1
        workflowCommands: true
        shell: node {0}
        run: console.log(1)
      - shell: node {0}
        run: console.log(2)
        allowFailure: true
        if: always()
`,
      new FakeExecutor(),
    );
    expect(result.status).toBe('failed');
    expect(logs(events)).toEqual([
      'the JavaScript action "acme/greet@v1" needs node, which image ferry/busybox:1 does not have (run the job in an image with node: container:, a setup-node step, or --image)',
      'the shell "node" is not in image ferry/busybox:1 (use an image that has it, or shell: sh)',
    ]);
  });
});
