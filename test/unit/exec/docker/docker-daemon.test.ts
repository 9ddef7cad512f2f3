import { describe, expect, it } from 'vitest';
import { buildContainerOptions } from '../../../../packages/engine/src/exec/docker/build-container-options.js';
import {
  buildDockerDaemonOptions,
  dockerDaemonSidecar,
  dockerHostEnv,
} from '../../../../packages/engine/src/exec/docker/docker-daemon.js';
import { sidecarHealth } from '../../../../packages/engine/src/exec/docker/sidecar-options.js';
import { buildJobRun } from '../../../helpers/build-job-run.js';

const labels = { 'ferry.run': 'r', 'ferry.job': 'dind' };

describe('the Docker daemon sidecar', () => {
  it('serves plain TCP on 2375 and a unix socket, healthy once docker version answers', () => {
    const sidecar = dockerDaemonSidecar('ferry/docker:20');
    expect(sidecar.command).toEqual([
      'dockerd-entrypoint',
      '--host=tcp://0.0.0.0:2375',
      '--host=unix:///var/run/docker.sock',
      '--tls=false',
    ]);
    expect(sidecar.health.probe).toEqual({ kind: 'cmd', command: 'docker --host=unix:///var/run/docker.sock version' });
    const health = sidecarHealth(sidecar.health);
    expect(health.healthcheck?.Test).toEqual(['CMD-SHELL', 'docker --host=unix:///var/run/docker.sock version']);
    // A minute to start, then three failed checks.
    expect(health.deadlineMs).toBeGreaterThanOrEqual(60_000);
    expect(health.deadlineMs).toBeLessThan(120_000);
  });

  it('may nest containers without --privileged: all capabilities but SYS_RESOURCE, no profiles, no masked paths', () => {
    const options = buildDockerDaemonOptions(dockerDaemonSidecar('ferry/docker:20'), {
      name: 'ferry-r-dind-docker',
      alias: 'docker',
      network: 'job-net',
      labels,
    });
    expect(options).toMatchObject({
      name: 'ferry-r-dind-docker',
      Image: 'ferry/docker:20',
      Labels: labels,
      NetworkingConfig: { EndpointsConfig: { 'job-net': { Aliases: ['docker'] } } },
    });
    expect(options.HostConfig).toMatchObject({
      NetworkMode: 'job-net',
      Init: true,
      CapAdd: ['ALL'],
      CapDrop: ['SYS_RESOURCE'],
      SecurityOpt: ['no-new-privileges', 'seccomp=unconfined', 'apparmor=unconfined'],
      MaskedPaths: [],
      ReadonlyPaths: [],
      DeviceCgroupRules: ['a *:* rwm'],
      Binds: [],
    });
    expect(options.HostConfig?.Privileged).toBeUndefined();
    // Its data on an anonymous volume with the run's labels, so the reaper finds it after a crash.
    expect(options.HostConfig?.Mounts).toEqual([
      expect.objectContaining({
        Type: 'volume',
        Source: '',
        Target: '/var/lib/docker',
        VolumeOptions: expect.objectContaining({ Labels: labels }),
      }),
    ]);
  });

  it("holds the daemon to the job's limits", () => {
    const input = { name: 'd', alias: 'docker', network: 'n', labels };
    const options = buildDockerDaemonOptions(dockerDaemonSidecar('ferry/docker:20'), input, {
      memoryBytes: 2 * 1024 ** 3,
      cpus: 1.5,
      pids: 256,
    });
    expect(options.HostConfig).toMatchObject({
      Memory: 2 * 1024 ** 3,
      MemorySwap: 2 * 1024 ** 3,
      NanoCpus: 1.5e9,
      PidsLimit: 256,
    });
    expect(buildDockerDaemonOptions(dockerDaemonSidecar('x'), input).HostConfig?.Memory).toBeUndefined();
  });

  it('points DOCKER_HOST at the sidecar, or at the mounted host socket', () => {
    expect(dockerHostEnv('sidecar')).toEqual({ DOCKER_HOST: 'tcp://docker:2375' });
    expect(dockerHostEnv('host-socket')).toEqual({ DOCKER_HOST: 'unix:///var/run/docker.sock' });
  });

  it("mounts the host's socket into the job container only when asked to", () => {
    const input = { name: 'ferry-r-dind', labels, env: {} };
    expect(buildContainerOptions(buildJobRun({ docker: true }), input).HostConfig?.Binds).toEqual([]);
    const options = buildContainerOptions(buildJobRun({ docker: true }), {
      ...input,
      dockerSocket: '/var/run/docker.sock',
    });
    expect(options.HostConfig?.Binds).toEqual(['/var/run/docker.sock:/var/run/docker.sock']);
    expect(options.HostConfig?.SecurityOpt).toEqual(['no-new-privileges']);
    expect(options.HostConfig?.Privileged).toBe(false);
  });
});
