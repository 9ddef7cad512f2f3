/** What a command needs from the process; main.ts is the only place that builds it from the real one. */
export interface CliIO {
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  /** Read only by commands that take a secret on standard input (never as an argument, which `ps` shows). */
  stdin?: NodeJS.ReadStream;
}
