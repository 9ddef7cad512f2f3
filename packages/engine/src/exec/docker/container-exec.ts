import { Writable } from 'node:stream';
import type Dockerode from 'dockerode';

export interface ExecSpec {
  Cmd: string[];
  Env?: string[];
  /** Defaults to the container's user. */
  User?: string;
}

export interface RunningExec {
  exec: Dockerode.Exec;
  /** Resolves when Docker closes the output stream (the process exited, and whatever held its stdout too, or Docker gave up waiting on them). */
  ended: Promise<void>;
  /** Drops the output stream without touching the process. */
  detach(): void;
}

/** Creates and starts an exec, passing its raw stdout and stderr chunks on, demultiplexed. */
export async function startExec(
  container: Dockerode.Container,
  spec: ExecSpec,
  onStdout: (chunk: Buffer) => void,
  onStderr: (chunk: Buffer) => void,
): Promise<RunningExec> {
  const exec = await container.exec({
    ...spec,
    AttachStdin: false,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
  });
  const stream = (await exec.start({
    hijack: false,
    stdin: false,
    Detach: false,
    Tty: false,
  })) as NodeJS.ReadableStream & {
    destroy(error?: Error): void;
  };
  const ended = new Promise<void>((resolve) => {
    stream.once('end', resolve);
    stream.once('close', resolve);
    stream.once('error', () => resolve());
  });
  const modem = container.modem as {
    demuxStream(stream: NodeJS.ReadableStream, stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): void;
  };
  modem.demuxStream(stream, chunkSink(onStdout), chunkSink(onStderr));
  return { exec, ended, detach: () => stream.destroy() };
}

/** The exit code once the exec stopped running; polls briefly because Docker may report it a moment after the stream ends. */
export async function execExitCode(exec: Dockerode.Exec, waitMs = 2000): Promise<number | undefined> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const info = await exec.inspect();
    if (!info.Running && info.ExitCode !== null) return info.ExitCode;
    if (Date.now() >= deadline) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export interface ExecOutcome {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
}

/** Runs a helper command to completion and collects its output. */
export async function runExec(container: Dockerode.Container, spec: ExecSpec): Promise<ExecOutcome> {
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  const running = await startExec(
    container,
    spec,
    (chunk) => stdout.push(chunk),
    (chunk) => stderr.push(chunk),
  );
  await running.ended;
  return {
    exitCode: await execExitCode(running.exec),
    stdout: Buffer.concat(stdout).toString('utf8'),
    stderr: Buffer.concat(stderr).toString('utf8'),
  };
}

function chunkSink(onChunk: (chunk: Buffer) => void): NodeJS.WritableStream {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      onChunk(chunk);
      callback();
    },
  });
}
