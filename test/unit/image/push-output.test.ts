import { describe, expect, it } from 'vitest';
import type { ProgressMessage } from '../../../packages/engine/src/image/follow-progress.js';
import { describePushError, PushOutput } from '../../../packages/engine/src/image/push-output.js';

describe('PushOutput', () => {
  it('shows each layer state, byte progress at most once a second per layer, and keeps the digest', () => {
    let now = 0;
    const lines: string[] = [];
    const output = new PushOutput((line) => lines.push(line), { now: () => now });
    const at = (ms: number, message: ProgressMessage) => {
      now = ms;
      output.handle(message);
    };
    at(0, { status: 'The push refers to repository [127.0.0.1:5000/shop/api]' });
    at(0, { status: 'Preparing', id: 'f33ffd33ece1', progressDetail: {} });
    at(10, { status: 'Pushing', id: 'f33ffd33ece1', progressDetail: { current: 19_968, total: 1_985_658 } });
    for (let ms = 20; ms < 1000; ms += 10)
      at(ms, { status: 'Pushing', id: 'f33ffd33ece1', progressDetail: { current: ms * 1000, total: 1_985_658 } });
    at(1010, { status: 'Pushing', id: 'f33ffd33ece1', progressDetail: { current: 1_500_000, total: 1_985_658 } });
    at(1020, { status: 'Pushing', id: 'f4fce6f97c9b', progressDetail: { current: 2048, total: 3 } });
    at(1100, { status: 'Pushed', id: 'f33ffd33ece1', progressDetail: {} });
    at(1100, { status: 'Layer already exists', id: 'f4fce6f97c9b', progressDetail: {} });
    at(1200, { status: 'v1: digest: sha256:b23f size: 735' });
    at(1200, { progressDetail: {}, aux: { Tag: 'v1', Digest: 'sha256:b23f', Size: 735 } });
    expect(lines).toEqual([
      'The push refers to repository [127.0.0.1:5000/shop/api]',
      'f33ffd33ece1: Preparing',
      'f33ffd33ece1: Pushing 19.5 KiB / 1.9 MiB',
      'f33ffd33ece1: Pushing 1.4 MiB / 1.9 MiB',
      'f4fce6f97c9b: Pushing 2.0 KiB',
      'f33ffd33ece1: Pushed',
      'f4fce6f97c9b: Layer already exists',
      'v1: digest: sha256:b23f size: 735',
    ]);
    expect(output.digest).toBe('sha256:b23f');
    expect(output.error).toBeUndefined();
  });

  it('keeps the first error', () => {
    const output = new PushOutput(() => {}, { now: () => 0 });
    output.handle({ errorDetail: { message: 'no basic auth credentials' }, error: 'no basic auth credentials' });
    output.handle({ error: 'later' });
    expect(output.error).toBe('no basic auth credentials');
  });
});

describe('describePushError', () => {
  const image = '127.0.0.1:5798/shop/api:abc1234';
  it('says that a stopped registry is unreachable', () => {
    // As docker 20.10 reports a push to a port where nothing listens.
    const reason = 'Get "http://127.0.0.1:5798/v2/": dial tcp 127.0.0.1:5798: connect: connection refused';
    expect(describePushError(image, '127.0.0.1:5798', reason, 'none')).toBe(
      `push of ${image} failed: registry 127.0.0.1:5798 is unreachable (connection refused); is it running at that address? (engine: ${reason})`,
    );
  });

  it('says where credentials came from when they were missing or refused', () => {
    expect(describePushError(image, '127.0.0.1:5798', 'no basic auth credentials', 'none')).toBe(
      `push of ${image} failed: no credentials were found for 127.0.0.1:5798: declare the secrets FERRY_REGISTRY_USER and FERRY_REGISTRY_PASSWORD on the job, or log in so the Docker config file has auths["127.0.0.1:5798"] (engine: no basic auth credentials)`,
    );
    expect(describePushError(image, '127.0.0.1:5798', 'unauthorized: authentication required', 'secrets')).toContain(
      "refused the credentials from the job's secrets",
    );
    expect(
      describePushError(image, '127.0.0.1:5798', 'unauthorized: authentication required', 'docker-config'),
    ).toContain('from the Docker config file');
    expect(describePushError(image, 'ghcr.io', 'denied: permission_denied: write_package', 'secrets')).toContain(
      'denied access to the repository',
    );
  });

  it('passes other reasons on as they are', () => {
    expect(describePushError(image, '127.0.0.1:5798', 'blob upload unknown', 'none')).toBe(
      `push of ${image} failed: blob upload unknown`,
    );
  });
});
