import type { FerryErrorCode } from '../errors.js';

/** One problem in a pipeline file, placed in the source like a compiler diagnostic. */
export interface PipelineIssue {
  code: FerryErrorCode;
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  col: number;
  /** Where in the pipeline, like `jobs.test.steps[2].run`; empty for the file as a whole. */
  path: string;
  message: string;
  /** A warning leaves the file valid (`ferry validate --strict` counts it as an error). */
  severity?: 'warning';
}

export type PathSegment = string | number;

/**
 * An issue found on the parsed data, not yet placed in the source. `at` says which node to point at:
 * the key (unknown keys), the value (wrong values), or the mapping that holds `path` (missing keys).
 * `focus` narrows a value to a column inside it: `offset` into the string value `text`.
 */
export interface PendingIssue {
  code: FerryErrorCode;
  path: PathSegment[];
  at: 'key' | 'value' | 'parent';
  message: string;
  focus?: { text: string; offset: number };
}
