import { createHash } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';
import { FerryError } from '../errors.js';
import { createContextFilter, parseDockerignore, type ContextFilter } from './context-filter.js';

export interface ContextEntry {
  /** Path in the archive: relative to the context, `/`-separated. */
  name: string;
  type: 'file' | 'directory' | 'symlink';
  /** Permission bits. */
  mode: number;
  mtime: Date;
  /** Bytes of a file. */
  size: number;
  /** Where a file's content is read from; absent when `content` holds it. */
  source?: string;
  content?: Buffer;
  linkname?: string;
}

export interface BuildContext {
  directory: string;
  /** Sorted, each directory before what is inside it. */
  entries: ContextEntry[];
  /** The Dockerfile's name in the archive, as the engine is told: `Dockerfile`, `docker/app.Dockerfile`, or a generated name when it lies outside the context. */
  dockerfile: string;
  /** The ignore file that applied (absolute), if any. */
  ignoreFile?: string;
  files: number;
  bytes: number;
}

export interface ListBuildContextOptions {
  /** Absolute path of the context directory. */
  directory: string;
  /** Absolute path of the Dockerfile, inside the context or not. */
  dockerfile: string;
  /** Context-relative paths never sent, whatever the ignore file says (Ferry's run store `.ferry`). */
  omit?: readonly string[];
}

/**
 * Lists what `docker build` would send for a context: every file, directory and symlink not excluded by the
 * ignore file, always with the Dockerfile and `.dockerignore`. The ignore file is `<Dockerfile>.dockerignore`
 * when it exists (as BuildKit reads it), else `<context>/.dockerignore`. A Dockerfile outside the context
 * is added under a name derived from its content, and that name is appended to the archive's .dockerignore
 * so the engine leaves it out of `COPY .` (what the docker CLI does). Sockets, FIFOs and devices are left out.
 * Throws IMAGE_CONTEXT when a directory or file cannot be read.
 */
export async function listBuildContext(options: ListBuildContextOptions): Promise<BuildContext> {
  const { directory } = options;
  const relativeDockerfile = toSlash(path.relative(directory, options.dockerfile));
  const outside = relativeDockerfile.startsWith('../') || path.isAbsolute(relativeDockerfile);
  const ignoreFile = await findIgnoreFile(directory, options.dockerfile);
  const patterns = ignoreFile ? parseDockerignore(await readText(ignoreFile)) : [];
  const filter = createContextFilter(patterns, outside ? ['.dockerignore'] : ['.dockerignore', relativeDockerfile]);
  const entries = await walk(directory, filter, new Set(options.omit ?? []));

  let dockerfile = relativeDockerfile;
  if (outside) {
    const content = await readFile(options.dockerfile).catch((error: unknown) => {
      throw contextError(`cannot read the Dockerfile ${options.dockerfile}`, error);
    });
    dockerfile = `.dockerfile.${createHash('sha256').update(content).digest('hex').slice(0, 20)}`;
    addOutsideDockerfile(entries, dockerfile, content, patterns);
  }
  let files = 0;
  let bytes = 0;
  for (const entry of entries) {
    if (entry.type === 'directory') continue;
    files += 1;
    bytes += entry.size;
  }
  return { directory, entries, dockerfile, ...(ignoreFile ? { ignoreFile } : {}), files, bytes };
}

async function walk(root: string, filter: ContextFilter, omit: ReadonlySet<string>): Promise<ContextEntry[]> {
  const entries: ContextEntry[] = [];
  const added = new Set<string>();

  const addDirectory = async (relative: string): Promise<void> => {
    if (relative === '' || added.has(relative)) return;
    await addDirectory(parentOf(relative));
    const info = await stat(path.join(root, relative));
    entries.push({ name: relative, type: 'directory', mode: info.mode & 0o7777, mtime: info.mtime, size: 0 });
    added.add(relative);
  };

  const visit = async (relative: string): Promise<void> => {
    let children: Dirent[];
    try {
      children = await readdir(path.join(root, relative), { withFileTypes: true });
    } catch (error) {
      throw contextError(`cannot read the directory ${path.join(root, relative)}`, error);
    }
    children.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const child of children) {
      const name = relative ? `${relative}/${child.name}` : child.name;
      if (omit.has(name)) continue;
      const absolute = path.join(root, name);
      if (child.isDirectory()) {
        if (filter.includes(name)) {
          await addDirectory(name);
          await visit(name);
        } else if (filter.mayIncludeBelow(name)) {
          await visit(name);
        }
        continue;
      }
      if (!(child.isFile() || child.isSymbolicLink()) || !filter.includes(name)) continue;
      await addDirectory(parentOf(name));
      const info = await stat(absolute);
      if (child.isSymbolicLink()) {
        const linkname = await readlink(absolute).catch((error: unknown) => {
          throw contextError(`cannot read the symlink ${absolute}`, error);
        });
        entries.push({ name, type: 'symlink', mode: info.mode & 0o7777, mtime: info.mtime, size: 0, linkname });
      } else {
        entries.push({
          name,
          type: 'file',
          mode: info.mode & 0o7777,
          mtime: info.mtime,
          size: info.size,
          source: absolute,
        });
      }
    }
  };

  await visit('');
  return entries;
}

function addOutsideDockerfile(
  entries: ContextEntry[],
  name: string,
  content: Buffer,
  patterns: readonly string[],
): void {
  // A fixed mtime keeps the archive of an unchanged context identical, so the build cache holds.
  const fixed = new Date(0);
  entries.push({ name, type: 'file', mode: 0o600, mtime: fixed, size: content.length, content });
  const index = entries.findIndex((entry) => entry.name === '.dockerignore');
  const ignore = Buffer.from(`${patterns.join('\n')}\n${name}\n`);
  const entry: ContextEntry = {
    name: '.dockerignore',
    type: 'file',
    mode: 0o600,
    mtime: fixed,
    size: ignore.length,
    content: ignore,
  };
  if (index === -1) entries.push(entry);
  else entries[index] = entry;
}

async function findIgnoreFile(directory: string, dockerfile: string): Promise<string | undefined> {
  for (const candidate of [`${dockerfile}.dockerignore`, path.join(directory, '.dockerignore')]) {
    try {
      if ((await lstat(candidate)).isFile()) return candidate;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw contextError(`cannot read ${candidate}`, error);
    }
  }
  return undefined;
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw contextError(`cannot read ${file}`, error);
  }
}

async function stat(file: string) {
  try {
    return await lstat(file);
  } catch (error) {
    throw contextError(`cannot read ${file}`, error);
  }
}

function contextError(what: string, error: unknown): FerryError {
  return new FerryError('IMAGE_CONTEXT', `${what}: ${(error as Error).message}`, { cause: error });
}

function parentOf(relative: string): string {
  const parent = path.posix.dirname(relative);
  return parent === '.' ? '' : parent;
}

function toSlash(file: string): string {
  return file.split(path.sep).join('/');
}

/** The context of an inline Dockerfile: that file alone, so nothing of the workspace is sent. */
export function inlineBuildContext(directory: string, text: string): BuildContext {
  const content = Buffer.from(text.endsWith('\n') ? text : `${text}\n`);
  return {
    directory,
    entries: [{ name: 'Dockerfile', type: 'file', mode: 0o644, mtime: new Date(0), size: content.length, content }],
    dockerfile: 'Dockerfile',
    files: 1,
    bytes: content.length,
  };
}
