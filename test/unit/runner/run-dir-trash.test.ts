import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RunDirTrash } from '../../../packages/runner/src/worker/run-dir-trash.js';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A runs/ directory holding run directories like a runner's (src/ with a file, artifacts/). */
function runsDir(names: string[]): string {
  const root = mkdtempSync(path.join(tmpdir(), 'ferry-trash-'));
  made.push(root);
  const runs = path.join(root, 'runs');
  for (const name of names) makeRun(runs, name);
  return runs;
}

function makeRun(runs: string, name: string): string {
  const dir = path.join(runs, name);
  mkdirSync(path.join(dir, 'src', 'deep'), { recursive: true });
  mkdirSync(path.join(dir, 'artifacts'));
  writeFileSync(path.join(dir, 'src', 'deep', 'ferry.yml'), 'jobs: {}\n');
  return dir;
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
  return check();
};

describe('RunDirTrash', () => {
  it('moves a directory away at once, and removes a batch when it is full', async () => {
    const runs = runsDir(['a', 'b', 'c']);
    const trash = new RunDirTrash(runs, { batchSize: 2, idleMs: 60_000 });
    await trash.discard(path.join(runs, 'a'));
    expect(readdirSync(runs).sort()).toEqual([expect.stringMatching(/^\.trash-/), 'b', 'c']);
    await trash.discard(path.join(runs, 'b'));
    // The batch was full: it goes without flush().
    expect(await until(() => readdirSync(runs).length === 1)).toBe(true);
    expect(readdirSync(runs)).toEqual(['c']);
    await trash.discard(path.join(runs, 'c'));
    expect(readdirSync(runs)).toEqual([expect.stringMatching(/^\.trash-/)]);
    await trash.flush();
    expect(readdirSync(runs)).toEqual([]);
  });

  it('removes a batch that is not full once no directory came for idleMs', async () => {
    const runs = runsDir(['a']);
    const trash = new RunDirTrash(runs, { batchSize: 100, idleMs: 30 });
    await trash.discard(path.join(runs, 'a'));
    expect(await until(() => readdirSync(runs).length === 0)).toBe(true);
  });

  it('takes many directories at once, the same name twice (a retried run), and a missing one', async () => {
    const names = Array.from({ length: 23 }, (_, i) => `run-${i}`);
    const runs = runsDir(names);
    const trash = new RunDirTrash(runs, { batchSize: 4, idleMs: 60_000 });
    await Promise.all(names.map((name) => trash.discard(path.join(runs, name))));
    makeRun(runs, 'run-0');
    await trash.discard(path.join(runs, 'run-0'));
    await trash.discard(path.join(runs, 'never-made'));
    expect(names.some((name) => existsSync(path.join(runs, name)))).toBe(false);
    await trash.flush();
    expect(readdirSync(runs)).toEqual([]);
  });

  it('removes the directory in place when it cannot be moved, and says why', async () => {
    const runs = runsDir(['a']);
    const notADir = path.join(runs, 'file');
    writeFileSync(notADir, '');
    const errors: string[] = [];
    const trash = new RunDirTrash(notADir, { onError: (error) => errors.push(error.message) });
    await trash.discard(path.join(runs, 'a'));
    expect(existsSync(path.join(runs, 'a'))).toBe(false);
    await trash.flush();
    expect(errors).toEqual([expect.stringMatching(/ENOTDIR|EEXIST/)]);
  });
});
