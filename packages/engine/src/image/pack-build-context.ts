import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import { FerryError } from '../errors.js';
import type { BuildContext, ContextEntry } from './list-build-context.js';

export interface PackedContext {
  /** The tar stream to upload. */
  stream: Readable;
  /** Settles when the last entry is written; rejects with IMAGE_CONTEXT (e.g. a file vanished while packing). */
  done: Promise<void>;
  /** Why packing failed, once it has; a failure caused by cancel() is not one. */
  readonly failure: FerryError | undefined;
  /** Stops packing and releases open files; idempotent. */
  cancel(): void;
}

/** Files at most this big are read whole; bigger ones are streamed. */
const READ_WHOLE_LIMIT = 1024 * 1024;

/**
 * Packs a listed build context with tar-stream, as the docker CLI does: modes, mtimes and symlinks kept,
 * every entry owned by root (0:0), so the same tree always gives the same archive and the build cache holds.
 */
export function packBuildContext(context: BuildContext): PackedContext {
  const pack = tar.pack();
  let reading: { destroy(): void } | undefined;
  let cancelled = false;
  let failure: FerryError | undefined;

  const write = (entry: ContextEntry, body?: Buffer) =>
    new Promise<void>((resolve, reject) => {
      const header = headerOf(entry, body?.length);
      const done = (error?: Error | null) => (error ? reject(error) : resolve());
      if (body) pack.entry(header, body, done);
      else pack.entry(header, done);
    });

  const stream = (entry: ContextEntry, file: string) =>
    new Promise<void>((resolve, reject) => {
      const sink = pack.entry(headerOf(entry, entry.size), (error) => (error ? reject(error) : resolve()));
      const source = createReadStream(file);
      reading = source;
      source.on('error', (error) => {
        sink.destroy(error);
        reject(error);
      });
      source.pipe(sink);
    });

  const done = (async () => {
    try {
      for (const entry of context.entries) {
        if (cancelled) throw new Error('packing was cancelled');
        if (entry.type !== 'file') await write(entry);
        else if (entry.content) await write(entry, entry.content);
        else if (entry.source && entry.size > READ_WHOLE_LIMIT) await stream(entry, entry.source);
        else if (entry.source) await write(entry, await readFile(entry.source));
      }
      pack.finalize();
    } catch (error) {
      const packError = new FerryError(
        'IMAGE_CONTEXT',
        `cannot pack the build context ${context.directory}: ${(error as Error).message}`,
        { cause: error },
      );
      if (!cancelled) failure = packError;
      pack.destroy(packError);
      throw packError;
    }
  })();
  // Awaited only once the upload is over; until then a rejection must not count as unhandled. The stream's
  // own error event says the same: the uploader may not listen for it (a pipe does not).
  done.catch(() => {});
  pack.on('error', () => {});

  return {
    stream: pack as unknown as Readable,
    done,
    get failure() {
      return failure;
    },
    cancel() {
      cancelled = true;
      reading?.destroy();
      pack.destroy();
    },
  };
}

type TarHeader = Partial<tar.Header> & Pick<tar.Header, 'name'>;

function headerOf(entry: ContextEntry, size: number | undefined): TarHeader {
  const header: TarHeader = {
    name: entry.name,
    type: entry.type,
    mode: entry.mode,
    mtime: entry.mtime,
    uid: 0,
    gid: 0,
    uname: '',
    gname: '',
  };
  if (entry.type === 'file') header.size = size ?? entry.size;
  if (entry.type === 'symlink') header.linkname = entry.linkname ?? '';
  return header;
}
