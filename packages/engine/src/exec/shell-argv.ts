/** The command line's program: `bash` of `bash -eo pipefail {0}`. */
export function shellProgram(shell: string): string {
  return shell.trim().split(/\s+/)[0] ?? '';
}

/** A shell command line split into argv (on whitespace, as GitHub Actions does), with `{0}` replaced by the script file. */
export function shellArgv(shell: string, scriptFile: string): string[] {
  return shell
    .trim()
    .split(/\s+/)
    .map((word) => word.replaceAll('{0}', scriptFile));
}

/** What a step without `shell` runs in. */
export const defaultShellCommand = 'sh -e {0}';
