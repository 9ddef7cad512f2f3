import { mkdtempSync, writeFileSync } from 'node:fs';
import { cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { ResultPromise } from 'execa';

export const ferryBin = new URL('../../packages/cli/dist/main.js', import.meta.url).pathname;

/** Runs the built `ferry` binary; never throws on a non-zero exit. */
export function ferry(
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): ResultPromise<{ reject: false; all: true }> {
  return execa('node', [ferryBin, ...args], { cwd, reject: false, all: true, env: { ...env, FORCE_COLOR: '0' } });
}

/** A git repository in a temp dir with the given files committed. */
export async function tempRepo(files: Record<string, string>): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-repo-'));
  for (const [name, content] of Object.entries(files)) {
    const path = join(dir, name);
    await execa('mkdir', ['-p', join(path, '..')]);
    writeFileSync(path, content);
  }
  await execa('git', ['init', '-q', '-b', 'main'], { cwd: dir });
  await execa('git', ['add', '-A'], { cwd: dir });
  await execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'init'], { cwd: dir });
  return dir;
}

/** The demo's files (pipelines/) in a temporary git repository, so its run records land there, never in this tree. */
export async function demoCopy(): Promise<string> {
  const dir = await tempRepo({ 'README.md': 'demo copy\n' });
  await cp(new URL('../../pipelines', import.meta.url).pathname, join(dir, 'pipelines'), { recursive: true });
  await execa('git', ['add', '-A'], { cwd: dir });
  await execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'demo'], { cwd: dir });
  return dir;
}
