import type { PipelineSpec, PipelineIssue } from '@ferry/engine';

/** A pipeline file as committed at one sha. */
export interface PipelineAtCommit {
  /** Its path in the repository. */
  path: string;
  /** Present when it validates. */
  spec?: PipelineSpec;
  /** Why it does not (compiler-style issues with file:line:col). */
  issues: PipelineIssue[];
}

/**
 * Where `ferry serve` reads pipelines and changes from: the repository at the pushed commit, so the `on:` filter
 * applied is the one committed with the change. Implementations throw FerryError WEBHOOK_PIPELINE_UNREADABLE
 * when the repository or commit cannot be read (a reason to answer 503 so the forge can redeliver).
 */
export interface PipelineSource {
  /** The pipeline at `sha`: `path`, else the first of ferry.yml, .ferry.yml, pipelines/ferry.yml; undefined when there is none. */
  read(repo: string, sha: string, path?: string): Promise<PipelineAtCommit | undefined>;
  /**
   * Paths changed from `base` to `head` (`mergeBase`: since the two diverged, as a pull request shows them);
   * undefined when that cannot be told (e.g. `base` is not in the repository).
   */
  changedPaths(
    repo: string,
    base: string,
    head: string,
    options?: { mergeBase?: boolean },
  ): Promise<string[] | undefined>;
  /** The commit a ref (`refs/heads/main`, `main`, `v1`) points at now, and the ref's full name; undefined when there is no such ref. */
  resolveRef(repo: string, ref: string): Promise<{ sha: string; ref: string } | undefined>;
}
