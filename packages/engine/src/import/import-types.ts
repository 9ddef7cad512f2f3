/** What an import did to one thing of the source file, at its line. */
export interface ImportEntry {
  /** changed: same behaviour, other words; approximated: close, differences named; dropped: not carried over. */
  kind: 'changed' | 'approximated' | 'dropped';
  message: string;
  file: string;
  /** 1-based; 0 for the file as a whole. */
  line: number;
  /** A job or matrix cell dropped because it runs on Windows or macOS (its loss is expected, not a gap). */
  nonLinux?: boolean;
}

/** Reads files of the repository the source file belongs to, by path relative to the repository root. */
export interface SourceReader {
  /** The file's text, or undefined when there is no such file. */
  read(path: string): string | undefined;
}

export type ImportFormat = 'github' | 'gitlab';

export interface ImportOptions {
  /** Image overrides: `node` → `ferry/node:20` for every version, `node:18` for one; `{version}` is replaced. */
  images?: Record<string, string>;
  /**
   * The actions directory (`--actions-dir`, `FERRY_ACTIONS_DIR`): remote actions not vendored in the repository are
   * looked for in it as `<owner>/<repo>@<ref>` or act's `<owner>-<repo>@<ref>`; a job using one names it in `actions:`.
   */
  actions?: SourceReader;
}

export interface ImportResult {
  format: ImportFormat;
  /** The Ferry pipeline, as plain data. */
  pipeline: Record<string, unknown>;
  /** The pipeline as YAML text, with a header naming the source. */
  text: string;
  entries: ImportEntry[];
}
