import { statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where Ferry looks for a pipeline, in order: its own file, then a GitLab CI file or a GitHub workflow of a
 * usual name, which are translated in memory (docs/import.md).
 */
export const pipelineFileNames: readonly string[] = [
  'ferry.yml',
  '.ferry.yml',
  'pipelines/ferry.yml',
  '.gitlab-ci.yml',
  '.github/workflows/ci.yml',
  '.github/workflows/ci.yaml',
  '.github/workflows/test.yml',
  '.github/workflows/tests.yml',
  '.github/workflows/main.yml',
  '.github/workflows/build.yml',
];

/** The first pipeline file that exists in `dir`, as a path joined onto `dir`; undefined when there is none. */
export function findPipelineFile(dir: string): string | undefined {
  for (const name of pipelineFileNames) {
    const path = join(dir, name);
    if (statSync(path, { throwIfNoEntry: false })?.isFile()) return path;
  }
  return undefined;
}
