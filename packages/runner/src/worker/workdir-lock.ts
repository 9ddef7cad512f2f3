import { FerryError } from '@ferry/engine';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface WorkdirOwner {
  id: string;
  host: string;
  pid: number;
}

/**
 * A work dir belongs to one live runner (its mirrors are updated without cross-process locks): claims
 * `<workdir>/runner.json`, refusing while another live process on this host holds it. A claim left by a
 * dead runner is taken over, and the checkouts its runs left in `runs/` are removed.
 * Throws FerryError RUNNER_WORKDIR_LOCKED.
 */
export async function lockWorkdir(
  workdir: string,
  owner: WorkdirOwner,
  isProcessAlive: (pid: number) => boolean,
): Promise<() => Promise<void>> {
  await mkdir(workdir, { recursive: true });
  const file = path.join(workdir, 'runner.json');
  const previous = await readFile(file, 'utf8').then(
    (text) => JSON.parse(text) as Partial<WorkdirOwner>,
    () => undefined,
  );
  if (
    previous &&
    previous.host === owner.host &&
    typeof previous.pid === 'number' &&
    previous.pid !== owner.pid &&
    isProcessAlive(previous.pid)
  ) {
    throw new FerryError(
      'RUNNER_WORKDIR_LOCKED',
      `work dir ${workdir} is in use by runner ${previous.id ?? '?'} (pid ${previous.pid}); give each runner a --workdir of its own`,
    );
  }
  await writeFile(file, `${JSON.stringify(owner)}\n`);
  const runs = path.join(workdir, 'runs');
  for (const entry of await readdir(runs).catch(() => [] as string[]))
    await rm(path.join(runs, entry), { recursive: true, force: true });
  return async () => {
    await rm(file, { force: true });
  };
}
