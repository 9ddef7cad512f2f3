import { describe, expect, it } from 'vitest';
import {
  buildContainerOptions,
  buildPooledContainerOptions,
} from '../../../../packages/engine/src/exec/docker/build-container-options.js';
import { FerryError } from '../../../../packages/engine/src/errors.js';
import { buildJobRun } from '../../../helpers/build-job-run.js';

const input = { name: 'ferry-r-build', labels: { 'ferry.run': 'r' }, env: { CI: 'true', EMPTY: '' } };

describe('buildContainerOptions', () => {
  it('keeps the container alive with its own entrypoint, in the job workdir, with labels and env', () => {
    const options = buildContainerOptions(buildJobRun({ image: 'ferry/node:20', workdir: '/src' }), input);
    expect(options).toMatchObject({
      name: 'ferry-r-build',
      Image: 'ferry/node:20',
      Entrypoint: ['sh', '-c'],
      WorkingDir: '/src',
      Labels: { 'ferry.run': 'r' },
      Env: ['CI=true', 'EMPTY='],
      Tty: false,
      OpenStdin: false,
    });
    expect(options.Cmd?.[0]).toContain('while');
    expect(options.User).toBeUndefined();
  });

  it('defaults the workdir to /workspace and passes the user', () => {
    const options = buildContainerOptions(buildJobRun({ workdir: '', user: '1000:1000' }), input);
    expect(options.WorkingDir).toBe('/workspace');
    expect(options.User).toBe('1000:1000');
  });

  it('sets no-new-privileges and no binds, mounts or socket', () => {
    const host = buildContainerOptions(buildJobRun(), input).HostConfig;
    expect(host).toMatchObject({
      SecurityOpt: ['no-new-privileges'],
      Privileged: false,
      Binds: [],
      Mounts: [],
      AutoRemove: false,
    });
    expect(JSON.stringify(host)).not.toContain('docker.sock');
  });

  it('takes limits from the job, falling back to the defaults one by one', () => {
    const job = buildJobRun({ resources: { memoryBytes: 256 * 1024 * 1024 } });
    const host = buildContainerOptions(job, {
      ...input,
      defaultResources: { memoryBytes: 1024, cpus: 1.5, pids: 256 },
    }).HostConfig;
    expect(host).toMatchObject({ Memory: 256 * 1024 * 1024, NanoCpus: 1_500_000_000, PidsLimit: 256 });
  });

  it('sets no limit nobody asked for', () => {
    const host = buildContainerOptions(buildJobRun(), input).HostConfig ?? {};
    expect(host).not.toHaveProperty('Memory');
    expect(host).not.toHaveProperty('NanoCpus');
    expect(host).not.toHaveProperty('PidsLimit');
  });

  it('refuses a privileged job unless the runner allows it', () => {
    const job = buildJobRun({ id: 'dind', privileged: true });
    expect(() => buildContainerOptions(job, input)).toThrow(FerryError);
    expect(() => buildContainerOptions(job, input)).toThrow(/job "dind" asks for privileged: true/);
    try {
      buildContainerOptions(job, input);
    } catch (error) {
      expect((error as FerryError).code).toBe('EXEC_CONTAINER');
    }
    expect(buildContainerOptions(job, { ...input, allowPrivileged: true }).HostConfig?.Privileged).toBe(true);
  });
});

describe('buildPooledContainerOptions', () => {
  it("is a job's container of the slot without its env, on the pool's network, with the slot's limits", () => {
    const job = buildJobRun({ image: 'ferry/node:20', workdir: '/src', resources: { cpus: 1.5 } });
    const pooled = buildPooledContainerOptions(
      { image: 'ferry/node:20', workdir: '/src', resources: { cpus: 1.5 } },
      { name: 'ferry-pool-1', labels: { 'ferry.pool': 'ferry/node:20' }, network: 'ferry-pool-idle-1' },
    );
    const unpooled = buildContainerOptions(job, {
      ...input,
      name: 'ferry-pool-1',
      labels: { 'ferry.pool': 'ferry/node:20' },
      env: {},
    });
    expect(pooled).toEqual({ ...unpooled, HostConfig: { ...unpooled.HostConfig, NetworkMode: 'ferry-pool-idle-1' } });
    expect(pooled.Env).toEqual([]);
    expect(pooled.User).toBeUndefined();
    expect(pooled.HostConfig).toMatchObject({
      SecurityOpt: ['no-new-privileges'],
      Privileged: false,
      NanoCpus: 1.5e9,
      Binds: [],
    });
  });
});
