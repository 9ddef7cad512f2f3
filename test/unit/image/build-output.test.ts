import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BuildOutput, describeBuildFailure } from '../../../packages/engine/src/image/build-output.js';
import { followProgress, type ProgressMessage } from '../../../packages/engine/src/image/follow-progress.js';

/** The engine's progress stream for test/fixtures/image/failing/Dockerfile, captured from docker 20.10. */
const captured = readFileSync(new URL('../../fixtures/image/failing-build.jsonl', import.meta.url));

function collect() {
  const lines: Array<[string, string]> = [];
  const output = new BuildOutput((stream, line) => lines.push([stream, line]));
  return { output, lines };
}

describe('BuildOutput', () => {
  it('passes the build output on line by line, RUN stderr as stderr without its colour codes', async () => {
    const { output, lines } = collect();
    await followProgress(
      Readable.from([captured.subarray(0, 100), captured.subarray(100)]),
      (message) => output.handle(message),
      new AbortController().signal,
    );
    output.end();
    expect(lines).toEqual([
      ['stdout', 'Step 1/4 : FROM ferry/busybox:1'],
      ['stdout', ' ---> 29188f2dc528'],
      ['stdout', 'Step 2/4 : RUN echo "preparing the failure"'],
      ['stdout', ' ---> Running in f3a81f9452f6'],
      ['stdout', 'preparing the failure'],
      ['stdout', 'Removing intermediate container f3a81f9452f6'],
      ['stdout', ' ---> 1baa9080f149'],
      ['stdout', 'Step 3/4 : RUN echo "about to fail" && echo "something broke" >&2 && exit 7'],
      ['stdout', ' ---> Running in 5ca37c5fda5f'],
      ['stderr', 'something broke'],
      ['stdout', 'about to fail'],
      ['stdout', 'Removing intermediate container 5ca37c5fda5f'],
    ]);
  });

  it('maps the errorDetail to a failure naming the instruction, its exit code and its last output', async () => {
    const { output } = collect();
    await followProgress(Readable.from([captured]), (message) => output.handle(message), new AbortController().signal);
    expect(output.failure).toEqual({
      step: { number: 3, total: 4, instruction: 'RUN echo "about to fail" && echo "something broke" >&2 && exit 7' },
      message: `The command '/bin/sh -c echo "about to fail" && echo "something broke" >&2 && exit 7' returned a non-zero code: 7`,
      exitCode: 7,
      output: ['something broke', 'about to fail'],
    });
    expect(describeBuildFailure(output.failure!, 'failing/Dockerfile')).toMatchInlineSnapshot(`
      "failing/Dockerfile step 3/4 failed: RUN echo "about to fail" && echo "something broke" >&2 && exit 7
      exit code 7; last output:
        something broke
        about to fail"
    `);
  });

  it('keeps the engine message of a failing COPY, and a failure before any step', () => {
    const { output } = collect();
    const messages: ProgressMessage[] = [
      { stream: 'Step 2/2 : COPY missing.txt /' },
      { stream: '\n' },
      {
        errorDetail: {
          message:
            'COPY failed: file not found in build context or excluded by .dockerignore: stat missing.txt: file does not exist',
        },
      },
    ];
    for (const message of messages) output.handle(message);
    expect(describeBuildFailure(output.failure!, 'Dockerfile')).toBe(
      'Dockerfile step 2/2 failed: COPY missing.txt /\nCOPY failed: file not found in build context or excluded by .dockerignore: stat missing.txt: file does not exist',
    );
    expect(describeBuildFailure({ message: 'no build stage in current context', output: [] }, 'Dockerfile')).toBe(
      'docker build of Dockerfile failed: no build stage in current context',
    );
  });

  it('keeps the image id and counts the steps taken from the cache', () => {
    const { output, lines } = collect();
    const messages: ProgressMessage[] = [
      { stream: 'Step 1/2 : FROM ferry/busybox:1\n' },
      { stream: ' ---> 29188f2dc528\n' },
      { stream: 'Step 2/2 : COPY . /app/\n' },
      { stream: ' ---> Using cache\n' },
      { stream: ' ---> 344ffa0ffdd7\n' },
      { status: 'Downloading', id: 'abc', progressDetail: { current: 10, total: 100 } },
      { aux: { ID: 'sha256:344ffa0ffdd7' } },
      { stream: 'Successfully built 344ffa0ffdd7\n' },
    ];
    for (const message of messages) output.handle(message);
    output.end();
    expect(output.imageId).toBe('sha256:344ffa0ffdd7');
    expect(output.cache).toEqual({ steps: 2, cached: 1 });
    expect(output.failure).toBeUndefined();
    expect(lines.map(([, line]) => line)).not.toContain('abc: Downloading');
  });

  it('cuts a very long instruction in the error', () => {
    const failure = {
      step: { number: 1, total: 1, instruction: `RUN ${'x'.repeat(500)}` },
      message: 'failed',
      output: [],
    };
    expect(describeBuildFailure(failure, 'Dockerfile').split('\n')[0]).toHaveLength(
      'Dockerfile step 1/1 failed: '.length + 201,
    );
  });
});
