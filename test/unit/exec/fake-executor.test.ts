import { describe, expect, it } from 'vitest';
import type { Clock } from '../../../packages/engine/src/clock.js';
import { FerryError } from '../../../packages/engine/src/errors.js';
import { FakeExecutor } from '../../../packages/engine/src/exec/fake-executor.js';
import { parseFakeScript } from '../../../packages/engine/src/exec/fake-shell.js';
import { describeExecutorContract, capture } from '../../contracts/executor.contract.js';
import { buildJobRun } from '../../helpers/build-job-run.js';

describeExecutorContract(
  'FakeExecutor',
  () => ({
    executor: new FakeExecutor({ images: ['ferry/busybox:1', 'ferry/bash:1'], shells: { 'ferry/busybox:1': ['sh'] } }),
    image: 'ferry/busybox:1',
    bashImage: 'ferry/bash:1',
    missingImage: 'ferry/missing:1',
    workspace: '/nonexistent/workspace',
  }),
  { abortWithinMs: 200, abortAfterMs: 20 },
);

const options = { runId: 'r1', workspace: '/w', env: { FROM_JOB: 'job' } };

describe('FakeExecutor', () => {
  it('records prepare, runStep and teardown in order', async () => {
    const executor = new FakeExecutor();
    const job = buildJobRun({ id: 'a' });
    await executor.prepare(job, options, capture().io);
    await executor.runStep(job, { index: 0, name: 's', run: 'true', env: {} }, capture().io);
    await executor.teardown(job);
    expect(executor.calls).toEqual([
      { kind: 'prepare', job: 'a', runId: 'r1', image: 'ferry/busybox:1' },
      { kind: 'runStep', job: 'a', step: 0, run: 'true' },
      { kind: 'teardown', job: 'a' },
    ]);
    expect(executor.preparedJobs).toEqual([]);
  });

  it('refuses runStep before prepare and a second prepare of the same job', async () => {
    const executor = new FakeExecutor();
    const job = buildJobRun({ id: 'a' });
    await expect(
      executor.runStep(job, { index: 0, name: 's', run: 'true', env: {} }, capture().io),
    ).rejects.toMatchObject({ code: 'EXEC_CONTAINER' });
    await executor.prepare(job, options, capture().io);
    await expect(executor.prepare(job, options, capture().io)).rejects.toMatchObject({ code: 'EXEC_CONTAINER' });
  });

  it('runs scripted commands before the built-ins', async () => {
    const executor = new FakeExecutor({
      commands: [
        {
          match: /^npm test -- --shard=(\d)\/3$/,
          run: (ctx, match) => {
            ctx.write('stdout', `shard ${match[1]} ok\n`);
            return match[1] === '2' ? 1 : 0;
          },
        },
      ],
    });
    const job = buildJobRun();
    await executor.prepare(job, options, capture().io);
    const out = capture();
    const first = await executor.runStep(job, { index: 0, name: 's', run: 'npm test -- --shard=1/3', env: {} }, out.io);
    const second = await executor.runStep(
      job,
      { index: 1, name: 's', run: 'npm test -- --shard=2/3', env: {} },
      out.io,
    );
    expect([first.exitCode, second.exitCode]).toEqual([0, 1]);
    expect(out.of('stdout')).toEqual(['shard 1 ok', 'shard 2 ok']);
  });

  it('reports unknown commands like sh does', async () => {
    const executor = new FakeExecutor();
    const job = buildJobRun();
    await executor.prepare(job, options, capture().io);
    const out = capture();
    const result = await executor.runStep(job, { index: 0, name: 's', run: 'make build', env: {} }, out.io);
    expect(result.exitCode).toBe(127);
    expect(out.of('stderr')).toEqual(['sh: make: not found']);
  });

  it('lets onPrepare fail a prepare, which leaves nothing prepared', async () => {
    const executor = new FakeExecutor({
      onPrepare: () => {
        throw new FerryError('EXEC_DOCKER_UNAVAILABLE', 'cannot reach the Docker engine');
      },
    });
    const job = buildJobRun();
    await expect(executor.prepare(job, options, capture().io)).rejects.toMatchObject({
      code: 'EXEC_DOCKER_UNAVAILABLE',
    });
    expect(executor.preparedJobs).toEqual([]);
  });

  it('sleeps through the injected clock', async () => {
    const slept: number[] = [];
    let now = 0;
    const clock: Clock = {
      now: () => now,
      sleep: async (ms) => {
        slept.push(ms);
        now += ms;
      },
    };
    const executor = new FakeExecutor({ clock });
    const job = buildJobRun();
    await executor.prepare(job, options, capture().io);
    const result = await executor.runStep(
      job,
      { index: 0, name: 's', run: 'sleep 2; sleep 0.5', env: {} },
      capture().io,
    );
    expect(slept).toEqual([2000, 500]);
    expect(result.durationMs).toBe(2500);
  });

  it('reports $FERRY_OUTPUT lines it cannot read on stderr', async () => {
    const executor = new FakeExecutor();
    const job = buildJobRun();
    await executor.prepare(job, options, capture().io);
    const out = capture();
    const result = await executor.runStep(
      job,
      { index: 0, name: 's', run: 'echo oops >> $FERRY_OUTPUT; echo ok=1 >> $FERRY_OUTPUT', env: {} },
      out.io,
    );
    expect(result.outputs).toEqual({ ok: '1' });
    expect(out.of('stderr')).toEqual(['ferry: $FERRY_OUTPUT line 1: expected name=value or name<<DELIMITER']);
  });
});

describe('parseFakeScript', () => {
  it('splits commands, removes quotes and expands variables', () => {
    const commands = parseFakeScript(`echo "a  $X" 'b $X' c\${X}d $UNSET; exit 2 # comment\n\necho done`, { X: 'x' });
    expect(commands.map((c) => c.words)).toEqual([
      ['echo', 'a  x', 'b $X', 'cxd'],
      ['exit', '2'],
      ['echo', 'done'],
    ]);
  });

  it('understands redirections', () => {
    const [command] = parseFakeScript('echo hi >> "$OUT" 2>&1 >&2', { OUT: '/tmp/o' });
    expect(command?.words).toEqual(['echo', 'hi']);
    expect(command?.redirects).toEqual([
      { from: 'stdout', to: { file: '/tmp/o', append: true } },
      { from: 'stderr', to: { stream: 'stdout' } },
      { from: 'stdout', to: { stream: 'stderr' } },
    ]);
  });
});
