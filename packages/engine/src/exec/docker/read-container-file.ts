import path from 'node:path';
import type Dockerode from 'dockerode';
import tar from 'tar-stream';
import { dockerStatus } from './docker-errors.js';

export interface ContainerFile {
  content: Buffer;
  /** true when the file was longer than maxBytes and content holds only its start. */
  truncated: boolean;
}

/** One regular file from a container (through the archive API, so no process runs); undefined when it does not exist. */
export async function readContainerFile(
  container: Dockerode.Container,
  file: string,
  maxBytes: number,
): Promise<ContainerFile | undefined> {
  const files = await readContainerFiles(container, file, maxBytes);
  return files === undefined ? undefined : Object.values(files)[0];
}

/**
 * The regular files at `file` in a container, by base name: the file itself, or those of a directory (its
 * subdirectories included, by base name too; the first of a name wins). Undefined when the path does not exist.
 */
export async function readContainerFiles(
  container: Dockerode.Container,
  file: string,
  maxBytes: number,
): Promise<Record<string, ContainerFile> | undefined> {
  let archive: NodeJS.ReadableStream;
  try {
    archive = await container.getArchive({ path: file });
  } catch (error) {
    if (dockerStatus(error) === 404) return undefined;
    throw error;
  }
  return new Promise<Record<string, ContainerFile>>((resolve, reject) => {
    const extract = tar.extract();
    const files = new Map<string, ContainerFile>();
    extract.on('entry', (header, stream, next) => {
      const name = path.posix.basename(header.name);
      const wanted = header.type === 'file' && !files.has(name);
      const chunks: Buffer[] = [];
      let length = 0;
      let truncated = false;
      stream.on('data', (data: unknown) => {
        const chunk = data as Buffer;
        if (!wanted) return;
        const room = maxBytes - length;
        if (chunk.length > room) truncated = true;
        const kept = chunk.subarray(0, Math.max(0, room));
        chunks.push(kept);
        length += kept.length;
      });
      stream.on('end', () => {
        if (wanted) files.set(name, { content: Buffer.concat(chunks), truncated });
        next();
      });
      stream.resume();
    });
    extract.on('finish', () => resolve(Object.fromEntries(files)));
    extract.on('error', reject);
    archive.on('error', reject);
    archive.pipe(extract);
  });
}
