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
  let archive: NodeJS.ReadableStream;
  try {
    archive = await container.getArchive({ path: file });
  } catch (error) {
    if (dockerStatus(error) === 404) return undefined;
    throw error;
  }
  return new Promise<ContainerFile | undefined>((resolve, reject) => {
    const extract = tar.extract();
    let result: ContainerFile | undefined;
    extract.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      let length = 0;
      let truncated = false;
      stream.on('data', (data: unknown) => {
        const chunk = data as Buffer;
        if (result !== undefined || header.type !== 'file') return;
        const room = maxBytes - length;
        if (chunk.length > room) truncated = true;
        const kept = chunk.subarray(0, Math.max(0, room));
        chunks.push(kept);
        length += kept.length;
      });
      stream.on('end', () => {
        if (result === undefined && header.type === 'file') result = { content: Buffer.concat(chunks), truncated };
        next();
      });
      stream.resume();
    });
    extract.on('finish', () => resolve(result));
    extract.on('error', reject);
    archive.on('error', reject);
    archive.pipe(extract);
  });
}
