import { describe, expect, it } from 'vitest';
import { dockerAccessOf, hostSocketWarning } from '../../../packages/cli/src/docker-access-of.js';

describe('dockerAccessOf', () => {
  it('is off by default, a sidecar daemon with --allow-docker, the host socket with --docker-socket host', () => {
    expect(dockerAccessOf({})).toBe('off');
    expect(dockerAccessOf({ allowDocker: true })).toBe('sidecar');
    expect(dockerAccessOf({ allowDocker: true, dockerSocket: 'sidecar' })).toBe('sidecar');
    expect(dockerAccessOf({ allowDocker: true, dockerSocket: 'host' })).toBe('host-socket');
  });

  it('refuses --docker-socket without --allow-docker, and unknown modes', () => {
    expect(() => dockerAccessOf({ dockerSocket: 'host' })).toThrow(
      '--docker-socket host needs --allow-docker, which lets jobs ask for docker: true',
    );
    expect(() => dockerAccessOf({ allowDocker: true, dockerSocket: '/run/docker.sock' })).toThrow(
      /--docker-socket "\/run\/docker.sock": expected host .* or sidecar/,
    );
  });

  it('says in the warning which jobs control the host engine', () => {
    expect(hostSocketWarning(['it'])).toMatch(
      /^!!! WARNING: --docker-socket host: job "it" gets the host's Docker socket\./,
    );
    expect(hostSocketWarning(['a', 'b'])).toContain('jobs "a", "b" get');
    expect(hostSocketWarning([])).toContain('jobs with docker: true get');
    expect(hostSocketWarning([])).toContain('not labelled or removed by Ferry');
  });
});
