import { createReadStream, createWriteStream } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type Dockerode from 'dockerode';
import tar from 'tar-stream';
import { FerryError } from '../../errors.js';
import type { SaveOptions, SavedFiles } from '../executor.js';
import { runExec } from './container-exec.js';

/**
 * Lists what shell globs match under `workdir`, one path per line, relative to it. The globs are expanded by
 * the container's own `sh`, so they mean what they would in a step (`*`, `?`, `[…]`; `dist/` is the directory).
 */
const listScript =
  'cd "$1" || exit 3; shift; for g in "$@"; do for f in $g; do if [ -d "$f" ] && [ ! -L "$f" ]; then printf "d%s\\n" "${f%/}"; elif [ -e "$f" ] || [ -L "$f" ]; then printf "f%s\\n" "${f%/}"; fi; done; done';

/**
 * Saves the matches of `patterns` in the job's container into one tar at `archive`, each entry at its path
 * relative to the workdir (so restoring into any workdir puts it back in the same place), or with
 * `stripCommonDir` relative to the deepest directory all matches share (GitHub's upload-artifact v4).
 */
export async function saveContainerFiles(
  container: Dockerode.Container,
  workdir: string,
  patterns: string[],
  archive: string,
  options: SaveOptions = {},
): Promise<SavedFiles> {
  const listed = await runExec(container, { Cmd: ['sh', '-c', listScript, 'ferry-list', workdir, ...patterns] });
  if (listed.exitCode !== 0) {
    throw new FerryError(
      'EXEC_WORKSPACE',
      `cannot list ${patterns.join(', ')} in ${workdir} (exit ${listed.exitCode ?? '?'}): ${listed.stderr.trim()}`,
    );
  }
  const lines = listed.stdout.split('\n').filter((line) => line.length > 1 && !line.slice(1).startsWith('../'));
  const directories = new Set(lines.filter((line) => line.startsWith('d')).map((line) => line.slice(1)));
  const paths = [...new Set(lines.map((line) => line.slice(1)))].sort();
  // A path inside another matched directory would be saved twice.
  const roots = paths.filter((p) => !paths.some((other) => other !== p && p.startsWith(`${other}/`)));
  const strip = options.stripCommonDir ? commonDirectory(roots, directories) : '';
  const pack = tar.pack();
  const written = pipeline(pack as unknown as NodeJS.ReadableStream, createWriteStream(archive));
  let bytes = 0;
  try {
    for (const relative of roots) {
      const parent = path.posix.dirname(relative);
      const source = await container.getArchive({
        path: path.posix.join(workdir, relative),
      });
      bytes += await copyEntries(source, pack, parent === '.' ? '' : `${parent}/`, strip);
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

/**
 * The deepest directory (relative, `''` for the workdir) holding every one of `roots`: a matched directory counts
 * as its own contents, a file as its parent's.
 */
export function commonDirectory(roots: readonly string[], directories: ReadonlySet<string>): string {
  let common: string[] | undefined;
  for (const root of roots) {
    const base = directories.has(root) ? root : path.posix.dirname(root);
    const parts = base === '.' ? [] : base.split('/');
    if (common === undefined) common = parts;
    else {
      let shared = 0;
      while (shared < common.length && common[shared] === parts[shared]) shared += 1;
      common = common.slice(0, shared);
    }
  }
  return (common ?? []).join('/');
}

/** Unpacks a saved archive into the workdir, or into `into` (relative to it, or absolute), made first if missing. */
export async function restoreContainerFiles(
  container: Dockerode.Container,
  workdir: string,
  archive: string,
  into?: string,
): Promise<void> {
  const target = into === undefined ? workdir : path.posix.resolve(workdir, into);
  if (target !== workdir) {
    const made = await runExec(container, { Cmd: ['mkdir', '-p', '--', target] });
    if (made.exitCode !== 0) {
      throw new FerryError(
        'EXEC_WORKSPACE',
        `cannot make ${target} to restore files into (exit ${made.exitCode ?? '?'}): ${made.stderr.trim()}`,
      );
    }
  }
  await container.putArchive(createReadStream(archive), { path: target });
}

/**
 * Re-packs every entry of a Docker archive under `prefix`, less the directory `strip` (whose own entry is left
 * out); resolves with the bytes of file content copied.
 * A name too long for a plain tar header comes in a pax `path` record, which a reader prefers to the header's
 * name: the old record is dropped so the prefixed name is the one written (tar-stream adds a new record when
 * the prefixed name needs one).
 */
export function copyEntries(
  source: NodeJS.ReadableStream,
  pack: tar.Pack,
  prefix: string,
  strip = '',
): Promise<number> {
  return new Promise((resolve, reject) => {
    const extract = tar.extract();
    let bytes = 0;
    extract.on('entry', (header, stream, next) => {
      let name = `${prefix}${header.name}`;
      if (strip !== '') {
        if (name === strip || name === `${strip}/`) {
          stream.resume();
          stream.on('end', next);
          return;
        }
        name = name.slice(strip.length + 1);
      }
      const pax: Record<string, string> = { ...(header as { pax?: Record<string, string> }).pax };
      delete pax.path;
      const rebased = { ...header, name, pax: Object.keys(pax).length > 0 ? pax : undefined };
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
