/**
 * The shell scripts the Docker executor runs in a job's container. They need only a POSIX `sh`;
 * the kill script also uses `tr` and `grep` (busybox has both) to find stray processes of a step.
 */

/** Per-step files (output, pid) live here; prepare creates it world-writable with the sticky bit, like /tmp. */
export const STEP_FILES_DIR = '/tmp/.ferry';

/** The environment variable that marks every process of a step, so the kill script can find ones that left its process group. */
export const STEP_ID_VAR = 'FERRY_STEP_ID';

/** PID 1 of a job container: sleeps until killed, and (as the shell's `wait` reaps any child) collects orphans of killed steps. */
export function keepAliveCommand(): { Entrypoint: string[]; Cmd: string[] } {
  return { Entrypoint: ['sh', '-c'], Cmd: ['trap "exit 0" TERM INT; while :; do sleep 3600 & wait; done'] };
}

/** Run as root once per job: the step-files directory, writable by any user like /tmp. */
export function setupCommand(): string[] {
  return ['sh', '-c', 'mkdir -p "$1" && chmod 1777 "$1"', 'ferry-setup', STEP_FILES_DIR];
}

export interface StepFiles {
  /** The step's own directory: `output`, `env` and `path` (what it writes), `script` (its run), `error` (why it could not start). */
  dir: string;
  output: string;
  env: string;
  path: string;
  script: string;
  pid: string;
}

export function stepFiles(stepKey: string): StepFiles {
  const dir = `${STEP_FILES_DIR}/step-${stepKey}`;
  return {
    dir,
    output: `${dir}/output`,
    env: `${dir}/env`,
    path: `${dir}/path`,
    script: `${dir}/script`,
    pid: `${STEP_FILES_DIR}/step-${stepKey}.pid`,
  };
}

export interface StepLaunch {
  /** The shell's argv, the script file already in place of `{0}`. */
  argv: string[];
  /** Absolute; empty or undefined stays in the container's working directory. */
  workdir?: string;
  /** Directories put before PATH, first one first. */
  path?: string[];
}

/**
 * A wrapper that records its own PID first (docker exec makes it a session and process-group leader, so the PID is
 * also the group to kill), creates the step's directory with empty output, env and path files and the script, puts
 * `path` before PATH, enters `workdir`, and runs the shell's argv as its child, in its group. A workdir it cannot
 * enter or a shell it cannot find is written to `error` (`workdir` or `shell`) instead of running anything.
 * Afterwards it removes the PID file and the script, and the directory when the step left nothing in it (else the
 * files it left empty): reading an absent directory back is ~1 ms, an existing one ~35 ms (Docker mounts the
 * container for it); one `rm` keeps the common case at two processes besides the step's. Exits with the step's status. `true` rather than `:` because a failed redirection on a special built-in would
 * end the wrapper.
 */
export function stepCommand(run: string, files: StepFiles, launch: StepLaunch): string[] {
  const script = [
    'pidfile=$1; d=$2; workdir=$4',
    'echo $$ 2>/dev/null >"$pidfile"; mkdir "$d" 2>/dev/null',
    'true 2>/dev/null >"$d/output"; true 2>/dev/null >"$d/env"; true 2>/dev/null >"$d/path"',
    'printf \'%s\\n\' "$3" 2>/dev/null >"$d/script"',
    '[ -z "$5" ] || PATH="$5:$PATH"; export PATH',
    'shift 5',
    'if [ -n "$workdir" ] && ! cd "$workdir" 2>/dev/null; then echo workdir 2>/dev/null >"$d/error"; status=1',
    'elif ! command -v "$1" >/dev/null 2>&1; then echo shell 2>/dev/null >"$d/error"; status=127',
    'else "$@"; status=$?; fi',
    'if [ -s "$d/output" ] || [ -s "$d/env" ] || [ -s "$d/path" ] || [ -e "$d/error" ]; then',
    '  { rm -f "$pidfile" "$d/script"; for f in output env path; do [ -s "$d/$f" ] || rm -f "$d/$f"; done; } 2>/dev/null',
    'else rm -rf "$pidfile" "$d" 2>/dev/null; fi',
    'exit $status',
  ].join('\n');
  return [
    'sh',
    '-c',
    script,
    'ferry-step',
    files.pid,
    files.dir,
    run,
    launch.workdir ?? '',
    (launch.path ?? []).join(':'),
    ...launch.argv,
  ];
}

/**
 * Kills a step: its process group, then, until none is left, every process whose environment carries
 * `FERRY_STEP_ID=<stepId>` (background jobs that called setsid, or were re-parented). Waits up to ~1s for the
 * PID file in case the step is only starting. Runs as the step's user, which can read its processes' environ.
 * Exits 0 when nothing of the step is left, 1 when it gave up.
 */
export function killStepCommand(stepId: string, files: StepFiles): string[] {
  const script = [
    'id=$1; pidfile=$2; i=0',
    'while [ ! -s "$pidfile" ] && [ $i -lt 20 ]; do sleep 0.05; i=$((i+1)); done',
    'pg=; read -r pg <"$pidfile" 2>/dev/null',
    'if [ -n "$pg" ]; then kill -9 -"$pg" 2>/dev/null; fi',
    'i=0',
    'while [ $i -lt 50 ]; do',
    '  found=',
    '  for d in /proc/[0-9]*; do',
    '    p=${d#/proc/}',
    '    [ "$p" = "$$" ] && continue',
    `    if tr '\\000' '\\n' <"$d/environ" 2>/dev/null | grep -qxF "${STEP_ID_VAR}=$id"; then`,
    '      kill -9 "$p" 2>/dev/null && found=1',
    '    fi',
    '  done',
    '  [ -z "$found" ] && exit 0',
    '  i=$((i+1))',
    'done',
    'exit 1',
  ].join('\n');
  return ['sh', '-c', script, 'ferry-kill', stepId, files.pid];
}
