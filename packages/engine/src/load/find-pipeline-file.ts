import { statSync } from 'node:fs';
import { join } from 'node:path';

/** Where Ferry looks for a pipeline, in order. */
export const pipelineFileNames: readonly string[] = ['ferry.yml', '.ferry.yml', 'pipelines/ferry.yml'];

/** The first pipeline file that exists in `dir`, as a path joined onto `dir`; undefined when there is none. */
export function findPipelineFile(dir: string): string | undefined {
  for (const name of pipelineFileNames) {
    const path = join(dir, name);
    if (statSync(path, { throwIfNoEntry: false })?.isFile()) return path;
  }
  return undefined;
}
