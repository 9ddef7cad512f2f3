import type { IncludedFile, PipelineIncludes } from '../pipeline/compose-pipeline.js';
import { listIncludes } from '../pipeline/include-entries.js';
import { pipelineLimits } from '../pipeline/pipeline-limits.js';

/**
 * The files a pipeline includes, nested ones too, as a generator that leaves the reading to its driver: it
 * yields a repository path and takes back what was read there (undefined: no such file). A reader checks a file's
 * size before reading it (the 2 MB limit of one file); this stops at the limit on the number of files and on
 * their total size. The result is what parsePipeline's `includes` takes. `loadPipeline` drives it with the file
 * system, `ferry serve` with `git cat-file` at the pushed commit.
 */
export function* collectIncludes(
  text: string,
  file: string,
  path: string,
  list: (text: string, file: string) => string[] = listIncludes,
): Generator<string, PipelineIncludes, IncludedFile | undefined> {
  const files = new Map<string, IncludedFile>();
  const queue = list(text, file);
  let bytes = Buffer.byteLength(text, 'utf8');
  while (queue.length > 0 && files.size < pipelineLimits.includes) {
    const next = queue.shift() as string;
    if (next === path || files.has(next)) continue;
    if (bytes > pipelineLimits.includeBytes) {
      const limit = `${pipelineLimits.includeBytes / 1024 / 1024} MB`;
      files.set(next, { file: next, code: 'SPEC_LIMIT', message: `the pipeline and its includes pass ${limit}` });
      continue;
    }
    const read = yield next;
    if (!read) continue;
    files.set(next, read);
    if ('text' in read) {
      bytes += Buffer.byteLength(read.text, 'utf8');
      // Depth first, in the order parsePipeline composes them, so both count the same files against the limit.
      queue.unshift(...list(read.text, read.file));
    }
  }
  return { path, files };
}

/** Runs `collectIncludes` with a synchronous reader (and `list`, listIncludes or a cache's). */
export function collectIncludesSync(
  text: string,
  file: string,
  path: string,
  read: (path: string) => IncludedFile | undefined,
  list?: (text: string, file: string) => string[],
): PipelineIncludes {
  const steps = collectIncludes(text, file, path, list);
  let step = steps.next();
  while (!step.done) step = steps.next(read(step.value));
  return step.value;
}

/** Runs `collectIncludes` with an asynchronous reader (one file at a time). */
export async function collectIncludesAsync(
  text: string,
  file: string,
  path: string,
  read: (path: string) => Promise<IncludedFile | undefined>,
): Promise<PipelineIncludes> {
  const steps = collectIncludes(text, file, path);
  let step = steps.next();
  while (!step.done) step = steps.next(await read(step.value));
  return step.value;
}
