import type { JobRun } from '../plan/plan-types.js';

export type OutputStream = 'stdout' | 'stderr';

export interface ExecIO {
  /** Called once per complete line (without the newline); a final partial line is flushed at step end. */
  onLine(stream: OutputStream, line: string): void;
  /** Aborts the step or the preparation (timeout or cancellation). */
  signal: AbortSignal;
}

/** A step ready to execute: expressions rendered, env merged (pipeline < job < $FERRY_ENV < step), secrets included. */
export interface ExecStep {
  index: number;
  name: string;
  run: string;
  env: Record<string, string>;
  /** The shell's command line, `{0}` standing for a file holding `run`; default `sh -e {0}`. */
  shell?: string;
  /** Absolute directory to run in; default the job's workdir. A missing one fails the step (EXEC_WORKDIR_MISSING). */
  workdir?: string;
  /** Directories put before the container's PATH, first one first (what earlier steps wrote to $FERRY_PATH, newest first). */
  path?: string[];
}

export interface StepResult {
  exitCode: number;
  /** true when io.signal aborted the step; exitCode is then 137 or whatever the kill produced. */
  aborted: boolean;
  /** What the step wrote to $FERRY_OUTPUT (or $GITHUB_OUTPUT) as name=value lines. */
  outputs: Record<string, string>;
  /** What the step wrote to $FERRY_ENV (or $GITHUB_ENV): environment for the job's later steps. */
  env: Record<string, string>;
  /** Lines the step wrote to $FERRY_PATH (or $GITHUB_PATH), in the order written. */
  path: string[];
  durationMs: number;
  /** Set when the kernel killed the step for exceeding the job's memory limit. */
  oomKilled?: boolean;
}

export interface SavedFiles {
  /** The paths (relative to the workdir) that matched and were saved. */
  paths: string[];
  bytes: number;
}

export interface PrepareOptions {
  runId: string;
  /**
   * Directory whose files are copied into the job's workdir (tracked and untracked-not-ignored files when a git
   * repo, never its `.git`); absent: the workdir is created empty (`checkout: false`).
   */
  workspace?: string;
  /**
   * A `.git` directory copied in as `<workdir>/.git` (the run's commit, made by run/job-checkouts.ts). It may
   * still be in the making: the executor awaits it only when it copies the workspace, so that the container
   * starts meanwhile; a rejection (or resolving to none) is the prepare's failure (or no `.git`).
   */
  gitDir?: string | Promise<string | undefined>;
  /** The submodules' `.git` files, relative to the directory of `gitDir`, copied in at the same paths; never rejects. */
  gitFiles?: string[] | Promise<string[]>;
  /** Environment for the job's container (pipeline < job), already rendered. */
  env: Record<string, string>;
}

/**
 * Lifecycle: prepare → runStep* → teardown. teardown is idempotent and runs even if prepare failed.
 * A failing step is a result; an engine failure (Docker unreachable, image missing) throws FerryError.
 */
export interface Executor {
  /**
   * Once per run, before its first prepare is called (e.g. the run's network); idempotent. Prepares may be called
   * before it settles: they wait for it where they need it, and reject with its error when it failed.
   */
  openRun(runId: string): Promise<void>;
  /** Once per run after its last job's teardown, also after failure or cancellation; idempotent. */
  closeRun(runId: string): Promise<void>;
  prepare(job: JobRun, options: PrepareOptions, io: ExecIO): Promise<void>;
  /**
   * Resolves when the step exits. A non-zero exit is a result, not a throw. On abort no process of the step is left
   * running. A step that cannot start because its shell is not in the image or its workdir does not exist throws
   * EXEC_SHELL_MISSING or EXEC_WORKDIR_MISSING.
   */
  runStep(job: JobRun, step: ExecStep, io: ExecIO): Promise<StepResult>;
  /**
   * Packs what matches `patterns` (shell globs relative to the workdir; directories whole) into one tar archive
   * written at `archive` on the host. Matching nothing is not an error: it returns no paths.
   */
  saveFiles(job: JobRun, patterns: string[], archive: string): Promise<SavedFiles>;
  /** Unpacks an archive made by saveFiles into the job's workdir, over what is there. */
  restoreFiles(job: JobRun, archive: string): Promise<void>;
  /**
   * Copies the host directory `source` (its files, recursively, readable by the job's user) into the job's container
   * at the absolute `target`, creating it. Used for what the run's operator hands in (GitHub actions of
   * `--actions-dir`); never a bind mount.
   */
  copyDirectory(job: JobRun, source: string, target: string): Promise<void>;
  teardown(job: JobRun): Promise<void>;
}
