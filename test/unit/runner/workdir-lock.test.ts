import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RunDirTrash } from '../../../packages/runner/src/worker/run-dir-trash.js';
import { lockWorkdir } from '../../../packages/runner/src/worker/workdir-lock.js';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('lockWorkdir', () => {
  it("takes over a dead runner's work dir and removes what its runs left, batches of finished ones too", async () => {
    const workdir = mkdtempSync(path.join(tmpdir(), 'ferry-workdir-'));
    made.push(workdir);
    const runs = path.join(workdir, 'runs');
    const owner = { id: 'old', host: 'h', pid: 41 };
    await lockWorkdir(workdir, owner, () => false);
    // A crash: one run mid-way, finished ones moved to a batch not removed yet.
    mkdirSync(path.join(runs, 'run-2', 'src'), { recursive: true });
    mkdirSync(path.join(runs, 'run-1', 'src'), { recursive: true });
    writeFileSync(path.join(runs, 'run-1', 'src', 'ferry.yml'), 'jobs: {}\n');
    await new RunDirTrash(runs, { idleMs: 60_000 }).discard(path.join(runs, 'run-1'));
    expect(readdirSync(runs).sort()).toEqual([expect.stringMatching(/^\.trash-/), 'run-2']);

    await expect(lockWorkdir(workdir, { id: 'new', host: 'h', pid: 42 }, () => true)).rejects.toMatchObject({
      code: 'RUNNER_WORKDIR_LOCKED',
    });
    const unlock = await lockWorkdir(workdir, { id: 'new', host: 'h', pid: 42 }, () => false);
    expect(readdirSync(runs)).toEqual([]);
    await unlock();
    expect(readdirSync(workdir)).toEqual(['runs']);
  });
});
