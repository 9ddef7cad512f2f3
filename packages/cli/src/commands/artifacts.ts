import { createReadStream, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { FerryError, formatBytes, RunStore, safeName } from '@ferry/engine';
import tar from 'tar-stream';
import tarFs from 'tar-fs';
import type { CliIO } from '../cli-io.js';

/** `ferry artifacts <run> [--job id] [--extract dir]`: what each job of a run saved, or those files on disk. */
export async function artifactsCommand(
  io: CliIO,
  runArg: string,
  options: { extract?: string; job?: string; workspace: string },
): Promise<number> {
  const store = new RunStore(join(options.workspace, '.ferry', 'runs'));
  const id = store.resolve(runArg);
  const dir = join(store.root, id, 'artifacts');
  const archives = existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith('.tar')) : [];
  const selected =
    options.job === undefined ? archives : archives.filter((name) => name === `${safeName(options.job as string)}.tar`);
  if (selected.length === 0) {
    if (options.job !== undefined)
      throw new FerryError('CLI_USAGE', `run ${id} has no artifacts of job "${options.job}"`);
    io.stdout.write(`run ${id} has no artifacts\n`);
    return 0;
  }
  for (const name of selected) {
    const job = name.slice(0, -'.tar'.length);
    if (options.extract) {
      const target = resolve(io.cwd, options.extract, job);
      const unsafe = await firstUnsafeEntry(join(dir, name));
      if (unsafe)
        throw new FerryError(
          'STORE_ARTIFACT_UNSAFE',
          `run ${id}, artifacts of ${job}: entry "${printable(unsafe.name)}" is ${unsafe.what}; ` +
            'only files and directories inside the archive are extracted, so nothing was written',
        );
      mkdirSync(target, { recursive: true });
      await pipeline(createReadStream(join(dir, name)), tarFs.extract(target));
      io.stdout.write(`${job} → ${target}\n`);
    } else {
      io.stdout.write(`${job}\n`);
      for (const entry of await listArchive(join(dir, name))) io.stdout.write(`  ${entry}\n`);
    }
  }
  return 0;
}

/** Links (which could point outside the target), devices, FIFOs and names that leave the target are refused. */
async function firstUnsafeEntry(file: string): Promise<{ name: string; what: string } | undefined> {
  let found: { name: string; what: string } | undefined;
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    const name = header.name;
    if (found === undefined) {
      if (header.type === 'symlink') found = { name, what: `a symbolic link (to ${printable(header.linkname ?? '')})` };
      else if (header.type === 'link') found = { name, what: `a hard link (to ${printable(header.linkname ?? '')})` };
      else if (header.type !== 'file' && header.type !== 'directory')
        found = { name, what: `a ${header.type ?? 'special'} entry` };
      else if (isAbsolute(name) || name.split('/').includes('..'))
        found = { name, what: 'a path that leaves the directory' };
    }
    stream.on('end', next);
    stream.resume();
  });
  await pipeline(createReadStream(file), extract);
  return found;
}

/** Control characters as escapes, so a name cannot start a new line of output. */
function printable(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}

async function listArchive(file: string): Promise<string[]> {
  const entries: string[] = [];
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    if (header.type === 'file') entries.push(`${header.name}  ${formatBytes(header.size ?? 0)}`);
    stream.on('end', next);
    stream.resume();
  });
  await pipeline(createReadStream(file), extract);
  return entries;
}
