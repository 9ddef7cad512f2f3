import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeExecutor } from '../../../packages/engine/src/exec/fake-executor.js';
import { parsePipeline } from '../../../packages/engine/src/pipeline/index.js';
import { runYaml } from '../../helpers/run-yaml.js';

const pipeline = `
jobs:
  a:
    image: x
    actions: [acme/one@v1]
    steps:
      - run: echo hi
`;

describe('a job with actions:', () => {
  it("copies each action from the run's actions directory into the container before the first step", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-actions-'));
    mkdirSync(join(dir, 'acme/one@v1'), { recursive: true });
    const executor = new FakeExecutor();
    const { result, events } = await runYaml(pipeline, executor, { deps: { actionsDir: dir } });
    expect(result.status).toBe('success');
    expect(executor.calls.filter((call) => call.kind === 'copyDirectory')).toEqual([
      { kind: 'copyDirectory', job: 'a', source: join(dir, 'acme/one@v1'), target: '/opt/ferry-actions/acme/one@v1' },
    ]);
    expect(events.some((e) => e.type === 'job.log' && e.line === `actions: copied acme/one@v1 from ${dir}`)).toBe(true);
  });

  it('fails the job (EXEC_ACTIONS_DIR) when the run has no actions directory or it lacks the action', async () => {
    const none = await runYaml(pipeline, new FakeExecutor());
    expect(none.result.jobs[0]?.reason).toBe(
      'job "a" runs the action acme/one@v1 from an actions directory, but this run has none (give it with --actions-dir or FERRY_ACTIONS_DIR)',
    );
    const empty = mkdtempSync(join(tmpdir(), 'ferry-actions-'));
    const lacking = await runYaml(pipeline, new FakeExecutor(), { deps: { actionsDir: empty } });
    expect(lacking.result.jobs[0]?.reason).toBe(
      `job "a" runs the action acme/one@v1, which is not in the actions directory ${empty} (no ${join(empty, 'acme/one@v1')})`,
    );
  });

  it('refuses an action directory that leaves the actions directory', () => {
    for (const bad of ['../etc', '/etc', 'a/../../b', 'a/./b']) {
      const { issues } = parsePipeline(
        `jobs:\n  a:\n    image: x\n    actions: ['${bad}']\n    steps: [{ run: x }]\n`,
        'f.yml',
      );
      expect(issues.map((issue) => issue.message).join()).toContain(
        'expected a directory inside the actions directory',
      );
    }
    expect(
      parsePipeline(
        'jobs:\n  a:\n    image: x\n    actions: [acme/one@v1.2, a-b@c/d]\n    steps: [{ run: x }]\n',
        'f.yml',
      ).issues,
    ).toEqual([]);
  });
});
