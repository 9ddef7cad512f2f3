/** What a command needs from the process; main.ts is the only place that builds it from the real one. */
export interface CliIO {
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

export const exitCodes = { ok: 0, failed: 1, invalid: 2 } as const;

/** A user mistake with its exit code: printed as one line, never as a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = exitCodes.invalid,
  ) {
    super(message);
  }
}
