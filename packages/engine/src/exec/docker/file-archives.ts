import { createReadStream, createWriteStream } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type Dockerode from 'dockerode';
import tar from 'tar-stream';
import { FerryError } from '../../errors.js';
import type { SavedFiles } from '../executor.js';
import { runExec } from './container-exec.js';

/**
 * Lists what shell globs match under `workdir`, one path per line, relative to it. The globs are expanded by
 * the container's own `sh`, so they mean what they would in a step (`*`, `?`, `[…]`; `dist/` is the directory).
 */
const listScript =
  'cd "$1" || exit 3; shift; for g in "$@"; do for f in $g; do if [ -e "$f" ] || [ -L "$f" ]; then printf "%s\\n" "${f%/}"; fi; done; done';

/**
 * Saves the matches of `patterns` in the job's container into one tar at `archive`, each entry at its path
 * relative to the workdir (so restoring into any workdir puts it back in the same place).
 */
export async function saveContainerFiles(
  container: Dockerode.Container,
  workdir: string,
  patterns: string[],
  archive: string,
): Promise<SavedFiles> {
  const listed = await runExec(container, { Cmd: ['sh', '-c', listScript, 'ferry-list', workdir, ...patterns] });
  if (listed.exitCode !== 0) {
    throw new FerryError(
      'EXEC_WORKSPACE',
      `cannot list ${patterns.join(', ')} in ${workdir} (exit ${listed.exitCode ?? '?'}): ${listed.stderr.trim()}`,
    );
  }
  const paths = [
    ...new Set(listed.stdout.split('\n').filter((line) => line.length > 0 && !line.startsWith('../'))),
  ].sort();
  // A path inside another matched directory would be saved twice.
  const roots = paths.filter((p) => !paths.some((other) => other !== p && p.startsWith(`${other}/`)));
  const pack = tar.pack();
  const written = pipeline(pack as unknown as NodeJS.ReadableStream, createWriteStream(archive));
  let bytes = 0;
  try {
    for (const relative of roots) {
      const parent = path.posix.dirname(relative);
      const source = await container.getArchive({
        path: path.posix.join(workdir, relative),
      });
      bytes += await copyEntries(source, pack, parent === '.' ? '' : `${parent}/`);
    }
    pack.finalize();
    await written;
  } catch (error) {
    pack.destroy(error as Error);
    await written.catch(() => undefined);
    throw error;
  }
  return { paths: roots, bytes };
}

/** Unpacks a saved archive into the workdir. */
export async function restoreContainerFiles(
  container: Dockerode.Container,
  workdir: string,
  archive: string,
): Promise<void> {
  await container.putArchive(createReadStream(archive), { path: workdir });
}

/**
 * Re-packs every entry of a Docker archive under `prefix`; resolves with the bytes of file content copied.
 * A name too long for a plain tar header comes in a pax `path` record, which a reader prefers to the header's
 * name: the old record is dropped so the prefixed name is the one written (tar-stream adds a new record when
 * the prefixed name needs one).
 */
export function copyEntries(source: NodeJS.ReadableStream, pack: tar.Pack, prefix: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const extract = tar.extract();
    let bytes = 0;
    extract.on('entry', (header, stream, next) => {
      const pax: Record<string, string> = { ...(header as { pax?: Record<string, string> }).pax };
      delete pax.path;
      const rebased = {
        ...header,
        name: `${prefix}${header.name}`,
        pax: Object.keys(pax).length > 0 ? pax : undefined,
      };
      const entry = pack.entry(rebased, (error) => (error ? reject(error) : next()));
      bytes += header.size ?? 0;
      stream.pipe(entry);
    });
    extract.on('finish', () => resolve(bytes));
    extract.on('error', reject);
    source.on('error', reject);
    source.pipe(extract);
  });
}
