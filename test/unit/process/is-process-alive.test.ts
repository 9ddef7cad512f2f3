import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { isProcessAlive } from '../../../packages/engine/src/process/is-process-alive.js';

describe('isProcessAlive', () => {
  it('sees this process, and a process of another user (pid 1) as alive', () => {
    expect(isProcessAlive(process.pid)).toBe(true);
    expect(isProcessAlive(1)).toBe(true);
  });

  it('sees an exited process and pids that are not one process as not alive', () => {
    const exited = spawnSync(process.execPath, ['-e', '0']).pid;
    expect(isProcessAlive(exited)).toBe(false);
    expect(isProcessAlive(0)).toBe(false);
    expect(isProcessAlive(-1)).toBe(false);
    expect(isProcessAlive(1.5)).toBe(false);
  });
});
