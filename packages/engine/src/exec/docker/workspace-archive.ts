import { createReadStream } from 'node:fs';
import { lstat, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import { FerryError } from '../../errors.js';
import { walkDirectory } from '../workspace-files.js';

type TarHeader = Partial<tar.Header> & Pick<tar.Header, 'name'>;

export interface WorkspaceArchiveStats {
  /** Regular files and symlinks. */
  files: number;
  bytes: number;
}

export interface PackOptions {
  /** Owner of every entry; root when absent. */
  owner?: { uid: number; gid: number };
  /**
   * Puts every entry below this directory and adds an entry (mode 0755, owner) for the directory itself, so
   * that extracting in its parent also sets the workdir's owner (Docker ignores a `./` entry).
   */
  directory?: string;
  /** A `.git` directory packed as `.git/…` after the workspace's files (every file below it). */
  gitDir?: string;
  /** Files relative to the directory of `gitDir` (submodules' `lib/.git`), packed at the same paths after it. */
  gitFiles?: readonly string[];
}

export interface WorkspaceArchive {
  /** A tar stream of the files, paths relative to the workspace. */
  stream: Readable;
  /** Settles when the last entry is written; rejects with EXEC_WORKSPACE. */
  done: Promise<WorkspaceArchiveStats>;
  /** Stops packing (e.g. the upload failed) and releases open files. */
  cancel(): void;
}

/** Files at most this big are read whole; bigger ones are streamed. */
const READ_WHOLE_LIMIT = 1024 * 1024;

/**
 * Packs `paths` (relative to `root`, as listWorkspaceFiles returns them) with tar-stream, keeping file modes,
 * mtimes and symlinks, adding each parent directory before its first file. Missing paths (tracked but
 * deleted) are skipped, directories (submodules) are walked, sockets and devices are left out.
 * Ownership goes in the headers because a root exec in a container whose user is not root may lack CAP_CHOWN.
 */
export function packWorkspace(
  root: string | undefined,
  paths: readonly string[],
  options: PackOptions = {},
): WorkspaceArchive {
  const pack = tar.pack();
  const ids = { uid: options.owner?.uid ?? 0, gid: options.owner?.gid ?? 0 };
  const prefix = options.directory ? `${options.directory}/` : '';
  const stats: WorkspaceArchiveStats = { files: 0, bytes: 0 };
  const directories = new Set<string>();
  let reading: { destroy(): void } | undefined;
  let cancelled = false;

  const addDirectory = async (base: string, dir: string, name: string): Promise<void> => {
    if (dir === '' || dir === '.' || directories.has(name)) return;
    await addDirectory(base, path.posix.dirname(dir), path.posix.dirname(name));
    directories.add(name);
    const info = await lstat(path.join(base, dir));
    await entry({ name, type: 'directory', mode: info.mode & 0o7777, mtime: info.mtime });
  };

  const entry = (header: TarHeader, body?: Buffer) =>
    new Promise<void>((resolve, reject) => {
      const done = (error?: Error | null) => (error ? reject(error) : resolve());
      Object.assign(header, ids, { name: prefix + header.name });
      if (body) pack.entry(header, body, done);
      else pack.entry(header, done);
    });

  const streamEntry = (header: TarHeader, file: string) =>
    new Promise<void>((resolve, reject) => {
      const sink = pack.entry({ ...header, ...ids, name: prefix + header.name }, (error) =>
        error ? reject(error) : resolve(),
      );
      const source = createReadStream(file);
      reading = source;
      source.on('error', (error) => {
        sink.destroy(error);
        reject(error);
      });
      source.pipe(sink);
    });

  /** Adds `base/relative` as `under` + relative. */
  const addPath = async (base: string, relative: string, under = ''): Promise<void> => {
    const absolute = path.join(base, relative);
    let info;
    try {
      info = await lstat(absolute);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    if (info.isDirectory()) {
      for (const child of (await walkDirectory(base, relative)).sort()) await addPath(base, child, under);
      return;
    }
    if (!info.isFile() && !info.isSymbolicLink()) return;
    const name = under + relative;
    await addDirectory(base, path.posix.dirname(relative), path.posix.dirname(name));
    const header: TarHeader = { name, mode: info.mode & 0o7777, mtime: info.mtime };
    if (info.isSymbolicLink()) {
      await entry({ ...header, type: 'symlink', linkname: await readlink(absolute) });
    } else if (info.size <= READ_WHOLE_LIMIT) {
      const body = await readFile(absolute);
      await entry({ ...header, type: 'file', size: body.length }, body);
      stats.bytes += body.length;
    } else {
      await streamEntry({ ...header, type: 'file', size: info.size }, absolute);
      stats.bytes += info.size;
    }
    stats.files += 1;
  };

  const done = (async () => {
    try {
      if (options.directory) {
        await entry({ name: '', type: 'directory', mode: 0o755, mtime: new Date() });
      }
      for (const relative of root === undefined ? [] : paths) {
        if (cancelled) throw new Error('packing was cancelled');
        await addPath(root as string, relative);
      }
      if (options.gitDir !== undefined) {
        const info = await lstat(options.gitDir);
        directories.add('.git');
        await entry({ name: '.git', type: 'directory', mode: info.mode & 0o7777, mtime: info.mtime });
        const files = (await walkDirectory(options.gitDir)).sort();
        // git takes a directory for a repository only when refs/ and objects/ exist, empty or not: the `.git`'s
        // own, and the submodules' in `.git/modules/…`.
        const repositories = [
          '',
          ...files.filter((file) => /^modules\/.+\/HEAD$/.test(file)).map((file) => file.slice(0, -4)),
        ];
        for (const repository of repositories)
          for (const dir of ['objects', 'refs', 'refs/heads', 'refs/tags'])
            await addDirectory(options.gitDir, repository + dir, `.git/${repository}${dir}`).catch(() => undefined);
        for (const relative of files) {
          if (cancelled) throw new Error('packing was cancelled');
          await addPath(options.gitDir, relative, '.git/');
        }
        const checkoutRoot = path.dirname(options.gitDir);
        for (const relative of options.gitFiles ?? []) await addPath(checkoutRoot, relative);
      }
      pack.finalize();
      return stats;
    } catch (error) {
      const failure = new FerryError(
        'EXEC_WORKSPACE',
        `cannot pack the workspace ${root ?? options.gitDir ?? ''}: ${(error as Error).message}`,
        { cause: error },
      );
      pack.destroy(failure);
      throw failure;
    }
  })();
  // The caller awaits `done` only after the upload; until then a rejection must not count as unhandled.
  done.catch(() => {});

  return {
    stream: pack as unknown as Readable,
    done,
    cancel() {
      cancelled = true;
      reading?.destroy();
      pack.destroy();
    },
  };
}
