import { describe, expect, it } from 'vitest';
import { poolSlot } from '../../../../packages/engine/src/exec/docker/pool-slot.js';
import { buildJobRun } from '../../../helpers/build-job-run.js';

describe('poolSlot', () => {
  it('gives jobs of one image, workdir and limits the same slot, whatever their env, steps or services', () => {
    const a = poolSlot(buildJobRun({ id: 'a', env: { A: '1' } }), undefined);
    const b = poolSlot(
      buildJobRun({
        id: 'b',
        env: { B: '2' },
        steps: [{ index: 0, name: 'x', run: 'true', env: {} } as never],
        services: { db: { image: 'ferry/busybox:1', pull: 'if-not-present', env: {} } as never },
      }),
      undefined,
    );
    expect(a).toEqual({ key: b?.key, image: 'ferry/busybox:1', workdir: '/workspace', resources: {} });
  });

  it('tells slots apart by image, workdir and each limit', () => {
    const key = (overrides: Parameters<typeof buildJobRun>[0]) => poolSlot(buildJobRun(overrides), undefined)?.key;
    const keys = [
      key({}),
      key({ image: 'ferry/bash:1' }),
      key({ workdir: '/src' }),
      key({ resources: { memoryBytes: 512 * 1024 * 1024 } }),
      key({ resources: { cpus: 1 } }),
      key({ resources: { pids: 100 } }),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("applies the executor's default limits, a job's own limit winning, in a key that ignores their order", () => {
    const slot = poolSlot(buildJobRun({ resources: { cpus: 2 } }), { cpus: 1, memoryBytes: 1024 });
    expect(slot?.resources).toEqual({ cpus: 2, memoryBytes: 1024 });
    const same = poolSlot(buildJobRun({ resources: { memoryBytes: 1024, cpus: 2 } }), undefined);
    expect(same?.key).toBe(slot?.key);
  });

  it.each([
    ['another user', { user: 'nobody' }],
    ['privileges', { privileged: true }],
    ['a Docker daemon', { docker: true }],
    ['a fresh pull', { pull: 'always' as const }],
    ['another kind of job', { kind: 'build' as const }],
  ])('leaves out a job that needs %s', (_what, overrides) => {
    expect(poolSlot(buildJobRun(overrides), undefined)).toBeUndefined();
  });
});
