import { afterEach, describe, expect, it } from 'vitest';
import { isFerryError } from '../../packages/engine/src/errors.js';
import type { ExecIO, ExecStep, Executor, OutputStream, StepResult } from '../../packages/engine/src/exec/executor.js';
import type { JobRun } from '../../packages/engine/src/plan/plan-types.js';
import { buildJobRun } from '../helpers/build-job-run.js';

export interface ExecutorContractSubject {
  executor: Executor;
  /** An image steps can run in (with a POSIX sh, and no bash). */
  image: string;
  /** An image that has bash. */
  bashImage: string;
  /** An image that is neither present nor pullable. */
  missingImage: string;
  /** A directory to use as the workspace. */
  workspace: string;
  /** Removes whatever a test with this run id may have left (beyond teardown). */
  cleanup?(runId: string): Promise<void>;
}

export interface ExecutorContractOptions {
  /** How long an aborted `sleep 30` may take to resolve after the abort. */
  abortWithinMs?: number;
  /** When to abort `sleep 30`, so the step has surely started. */
  abortAfterMs?: number;
}

interface Captured {
  lines: Array<{ stream: OutputStream; line: string }>;
  io: ExecIO;
  controller: AbortController;
  of(stream: OutputStream): string[];
}

export function capture(): Captured {
  const controller = new AbortController();
  const lines: Captured['lines'] = [];
  return {
    lines,
    controller,
    io: { signal: controller.signal, onLine: (stream, line) => lines.push({ stream, line }) },
    of: (stream) => lines.filter((entry) => entry.stream === stream).map((entry) => entry.line),
  };
}

let sequence = 0;
export function uniqueRunId(prefix = 'contract'): string {
  sequence += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${sequence}`;
}

/**
 * The behaviour every Executor owes the scheduler (see executor.ts). `setup` is called once per test and
 * may return the same executor each time; every test uses its own run id and tears its job down.
 */
export function describeExecutorContract(
  name: string,
  setup: () => ExecutorContractSubject | Promise<ExecutorContractSubject>,
  options: ExecutorContractOptions = {},
): void {
  const abortWithinMs = options.abortWithinMs ?? 3000;
  const abortAfterMs = options.abortAfterMs ?? 300;

  describe(`Executor contract: ${name}`, () => {
    const cleanups: Array<() => Promise<void>> = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    /** A prepared job with a unique run id, torn down (and cleaned up) after the test. */
    async function prepared(overrides: Partial<JobRun> = {}) {
      const subject = await setup();
      const runId = uniqueRunId();
      const job = buildJobRun({ id: `job-${sequence}`, image: subject.image, ...overrides });
      cleanups.push(async () => {
        await subject.executor.teardown(job);
        await subject.cleanup?.(runId);
      });
      await subject.executor.prepare(
        job,
        { runId, workspace: subject.workspace, env: { CONTAINER_VAR: 'from-container' } },
        capture().io,
      );
      let index = 0;
      const run = (
        script: string,
        io: ExecIO = capture().io,
        env: Record<string, string> = {},
      ): Promise<StepResult> => {
        const step: ExecStep = { index: index++, name: `step ${index}`, run: script, env };
        return subject.executor.runStep(job, step, io);
      };
      const runWith = (step: Omit<ExecStep, 'index' | 'name' | 'env'>, io: ExecIO = capture().io) =>
        subject.executor.runStep(job, { index: index++, name: `step ${index}`, env: {}, ...step }, io);
      return { subject, job, runId, run, runWith };
    }

    /** Aborts a step once it has surely started, and checks that it resolves soon after, as aborted. */
    async function abortOnceStarted(out: Captured, pending: Promise<StepResult>): Promise<StepResult> {
      await new Promise((resolve) => setTimeout(resolve, abortAfterMs));
      const abortedAt = Date.now();
      out.controller.abort(new Error('cancelled by test'));
      const result = await pending;
      expect(Date.now() - abortedAt).toBeLessThan(abortWithinMs);
      expect(result.aborted).toBe(true);
      return result;
    }

    it('streams echo output as lines, in order, on stdout and stderr', async () => {
      const { run } = await prepared();
      const out = capture();
      const result = await run('echo one\necho two >&2\necho three\necho four 1>&2\necho "five  spaced"', out.io);
      expect(result).toMatchObject({ exitCode: 0, aborted: false });
      expect(out.of('stdout')).toEqual(['one', 'three', 'five  spaced']);
      expect(out.of('stderr')).toEqual(['two', 'four']);
    });

    it('flushes a final line that has no newline', async () => {
      const { run } = await prepared();
      const out = capture();
      await run("printf 'first\\nno newline'", out.io);
      expect(out.of('stdout')).toEqual(['first', 'no newline']);
    });

    it('returns a non-zero exit as a result, after the output before it', async () => {
      const { run } = await prepared();
      const out = capture();
      const result = await run('echo before\nexit 1', out.io);
      expect(result).toMatchObject({ exitCode: 1, aborted: false, outputs: {} });
      expect(result.durationMs).toBeGreaterThanOrEqual(0);
      expect(out.of('stdout')).toEqual(['before']);
    });

    it('stops at the first failing command (sh -e)', async () => {
      const { run } = await prepared();
      const out = capture();
      const result = await run('echo a\nfalse\necho never', out.io);
      expect(result.exitCode).toBe(1);
      expect(out.of('stdout')).toEqual(['a']);
    });

    it('passes exit codes through', async () => {
      const { run } = await prepared();
      expect((await run('exit 3')).exitCode).toBe(3);
      expect((await run('true')).exitCode).toBe(0);
    });

    it('gives the step the container env and its own env', async () => {
      const { run } = await prepared();
      const out = capture();
      await run('echo "$CONTAINER_VAR $STEP_VAR"', out.io, { STEP_VAR: 'from-step' });
      expect(out.of('stdout')).toEqual(['from-container from-step']);
    });

    it('reads outputs from $FERRY_OUTPUT, name=value and name<<DELIMITER', async () => {
      const { run } = await prepared();
      const result = await run(
        [
          'echo greeting=hello >> "$FERRY_OUTPUT"',
          'echo "empty=" >> $FERRY_OUTPUT',
          'echo "equation=a=b" >> $FERRY_OUTPUT',
          "echo 'notes<<EOF' >> $FERRY_OUTPUT",
          'echo line one >> $FERRY_OUTPUT',
          'echo line two >> $FERRY_OUTPUT',
          'echo EOF >> $FERRY_OUTPUT',
        ].join('\n'),
      );
      expect(result.exitCode).toBe(0);
      expect(result.outputs).toEqual({ greeting: 'hello', empty: '', equation: 'a=b', notes: 'line one\nline two' });
    });

    it('returns the outputs a failing step wrote before it failed', async () => {
      const result = await (await prepared()).run('echo partial=yes >> $FERRY_OUTPUT\nexit 2');
      expect(result).toMatchObject({ exitCode: 2, aborted: false, outputs: { partial: 'yes' } });
    });

    it('gives every step a fresh $FERRY_OUTPUT', async () => {
      const { run } = await prepared();
      expect((await run('echo first=1 >> $FERRY_OUTPUT')).outputs).toEqual({ first: '1' });
      expect((await run('echo second=2 >> $FERRY_OUTPUT')).outputs).toEqual({ second: '2' });
    });

    it('resolves an aborted `sleep 30` quickly with aborted: true', async () => {
      const { run } = await prepared();
      const out = capture();
      const result = await abortOnceStarted(out, run('echo started\nsleep 30\necho never', out.io));
      expect(result.exitCode).not.toBe(0);
      expect(out.of('stdout')).toEqual(['started']);
    });

    it('resolves a step whose signal is already aborted without running it', async () => {
      const { run } = await prepared();
      const out = capture();
      out.controller.abort();
      const result = await run('echo should-not-run', out.io);
      expect(result.aborted).toBe(true);
      expect(out.of('stdout')).toEqual([]);
    });

    it('runs further steps after an aborted one', async () => {
      const { run } = await prepared();
      const first = capture();
      const pending = run('sleep 30', first.io);
      await new Promise((resolve) => setTimeout(resolve, abortAfterMs));
      first.controller.abort();
      expect((await pending).aborted).toBe(true);
      const second = capture();
      expect(await run('echo next', second.io)).toMatchObject({ exitCode: 0, aborted: false });
      expect(second.of('stdout')).toEqual(['next']);
    });

    it('reads $FERRY_ENV (name=value and name<<DELIMITER) and $FERRY_PATH lines', async () => {
      const { run } = await prepared();
      const result = await run(
        'echo GREETING=hello >> "$FERRY_ENV"\n' +
          "printf 'NOTES<<EOF\\nline one\\nline two\\nEOF\\n' >> $FERRY_ENV\n" +
          'printf \'/opt/first/bin\\n/opt/second/bin\\n\' >> "$FERRY_PATH"',
      );
      expect(result).toMatchObject({
        exitCode: 0,
        env: { GREETING: 'hello', NOTES: 'line one\nline two' },
        path: ['/opt/first/bin', '/opt/second/bin'],
        outputs: {},
      });
    });

    it('names the same files $GITHUB_OUTPUT, $GITHUB_ENV and $GITHUB_PATH', async () => {
      const { run } = await prepared();
      const result = await run(
        'echo out=1 >> $GITHUB_OUTPUT\necho VAR=2 >> $GITHUB_ENV\necho /opt/gh >> $GITHUB_PATH\necho more=3 >> $FERRY_OUTPUT',
      );
      expect(result).toMatchObject({
        exitCode: 0,
        outputs: { out: '1', more: '3' },
        env: { VAR: '2' },
        path: ['/opt/gh'],
      });
    });

    it('refuses $FERRY_ENV names Ferry sets for each step, saying so on stderr', async () => {
      const { run } = await prepared();
      const out = capture();
      const result = await run(
        'echo FERRY_OUTPUT=/etc/passwd >> $FERRY_ENV\necho "bad name=x" >> $FERRY_ENV\necho OK=1 >> $FERRY_ENV',
        out.io,
      );
      expect(result.env).toEqual({ OK: '1' });
      expect(out.of('stderr')).toEqual([
        'ferry: $FERRY_ENV line 2: "bad name" is not an environment variable name (letters, digits and _; not starting with a digit)',
        'ferry: $FERRY_ENV cannot set FERRY_OUTPUT; Ferry sets it for each step',
      ]);
    });

    it("puts the step's path directories before PATH, first one first", async () => {
      const { runWith } = await prepared();
      const out = capture();
      await runWith({ run: 'echo "$PATH"', path: ['/opt/b', '/opt/a'] }, out.io);
      const [path = ''] = out.of('stdout');
      expect(path.split(':').slice(0, 2)).toEqual(['/opt/b', '/opt/a']);
      expect(path.split(':')).toContain('/bin');
    });

    it('runs a step in its workdir, which an earlier step may create', async () => {
      const { job, runWith } = await prepared();
      expect((await runWith({ run: 'mkdir -p sub/dir' })).exitCode).toBe(0);
      const out = capture();
      const result = await runWith({ run: 'pwd', workdir: `${job.workdir}/sub/dir` }, out.io);
      expect(result.exitCode).toBe(0);
      expect(out.of('stdout')).toEqual([`${job.workdir}/sub/dir`]);
      const home = capture();
      await runWith({ run: 'pwd' }, home.io);
      expect(home.of('stdout')).toEqual([job.workdir]);
    });

    it('fails a step whose workdir does not exist with EXEC_WORKDIR_MISSING, running nothing', async () => {
      const { job, runWith } = await prepared();
      const out = capture();
      const error = await runWith({ run: 'echo ran', workdir: `${job.workdir}/absent` }, out.io).catch(
        (caught: unknown) => caught,
      );
      expect(isFerryError(error) && error.code).toBe('EXEC_WORKDIR_MISSING');
      expect((error as Error).message).toContain(`${job.workdir}/absent`);
      expect(out.of('stdout')).toEqual([]);
    });

    it("runs the script with the shell's command line: without -e a failing command does not end it", async () => {
      const { runWith } = await prepared();
      const out = capture();
      const result = await runWith({ run: 'false\necho after', shell: 'sh {0}' }, out.io);
      expect(result.exitCode).toBe(0);
      expect(out.of('stdout')).toEqual(['after']);
    });

    it('lets a failing pipe pass under sh -e and fails it under bash -eo pipefail', async () => {
      const { runWith } = await prepared();
      const sh = capture();
      expect((await runWith({ run: 'false | true\necho reached' }, sh.io)).exitCode).toBe(0);
      expect(sh.of('stdout')).toEqual(['reached']);
      const withBash = await prepared({ image: (await setup()).bashImage });
      const bash = capture();
      const result = await withBash.runWith(
        { run: 'echo before\nfalse | true\necho never', shell: 'bash --noprofile --norc -eo pipefail {0}' },
        bash.io,
      );
      expect(result.exitCode).toBe(1);
      expect(bash.of('stdout')).toEqual(['before']);
    });

    it('fails a step whose shell is not in the image with EXEC_SHELL_MISSING naming both', async () => {
      const { subject, runWith } = await prepared();
      const error = await runWith({ run: 'echo ran', shell: 'bash -e {0}' }).catch((caught: unknown) => caught);
      expect(isFerryError(error) && error.code).toBe('EXEC_SHELL_MISSING');
      expect((error as Error).message).toContain('"bash"');
      expect((error as Error).message).toContain(subject.image);
    });

    it('resolves an aborted bash step quickly', async () => {
      const { runWith } = await prepared({ image: (await setup()).bashImage });
      const out = capture();
      await abortOnceStarted(out, runWith({ run: 'echo started\nsleep 30\necho never', shell: 'bash -e {0}' }, out.io));
      expect(out.of('stdout')).toEqual(['started']);
    });

    it('tears down idempotently', async () => {
      const { subject, job } = await prepared();
      await subject.executor.teardown(job);
      await subject.executor.teardown(job);
    });

    it('rejects runStep after teardown with an FerryError', async () => {
      const { subject, job, run } = await prepared();
      await subject.executor.teardown(job);
      const error = await run('echo late').catch((caught: unknown) => caught);
      expect(isFerryError(error)).toBe(true);
    });

    it('tears down after a failed prepare, and a job that was never prepared', async () => {
      const subject = await setup();
      const runId = uniqueRunId();
      const job = buildJobRun({ id: `missing-${sequence}`, image: subject.missingImage });
      cleanups.push(() => subject.cleanup?.(runId) ?? Promise.resolve());
      const error = await subject.executor
        .prepare(job, { runId, workspace: subject.workspace, env: {} }, capture().io)
        .catch((caught: unknown) => caught);
      expect(isFerryError(error) && error.code).toBe('EXEC_IMAGE_MISSING');
      expect((error as Error).message).toContain(subject.missingImage);
      await subject.executor.teardown(job);
      await subject.executor.teardown(job);
      await subject.executor.teardown(buildJobRun({ id: `never-prepared-${sequence}` }));
    });

    it('can prepare a job again after teardown', async () => {
      const { subject, job, runId } = await prepared();
      await subject.executor.teardown(job);
      await subject.executor.prepare(job, { runId, workspace: subject.workspace, env: {} }, capture().io);
      const out = capture();
      await subject.executor.runStep(job, { index: 0, name: 'again', run: 'echo again', env: {} }, out.io);
      expect(out.of('stdout')).toEqual(['again']);
    });
  });
}
