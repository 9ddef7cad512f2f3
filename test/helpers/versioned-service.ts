import { execa } from 'execa';
import type { ServiceSpec } from '../../packages/engine/src/pipeline/pipeline-schema.js';

export const serviceImage = (version: string) => `ferry-test/versioned:${version}`;

/** Builds v1..v6 of the test service (v3: health check fails, v4: exits at start, v5: 20% 5xx, v6: 300 ms slower) from the local base image. */
export async function buildVersionedImages(): Promise<void> {
  const context = new URL('../fixtures/versioned-service/', import.meta.url).pathname;
  const variants: [string, string][] = [
    ['v1', 'ok'],
    ['v2', 'ok'],
    ['v3', 'unhealthy'],
    ['v4', 'crash'],
    ['v5', 'errors'],
    ['v6', 'slow'],
  ];
  await Promise.all(
    variants.map(([version, behaviour]) =>
      execa('docker', [
        'build',
        '-q',
        '-t',
        serviceImage(version),
        '--build-arg',
        `VERSION=${version}`,
        '--build-arg',
        `BEHAVIOUR=${behaviour}`,
        context,
      ]),
    ),
  );
}

/** The test service published on `publish`: HTTP health every second, rolling one at a time with no monitor. */
export const versionedSpec = (version: string, publish: number, replicas: number): ServiceSpec => ({
  image: serviceImage(version),
  replicas,
  port: 8080,
  publish,
  health: { http: '/healthz', interval: '1s', unhealthy: 2 },
  stopGrace: '2s',
  strategy: { rolling: { maxSurge: 1, maxUnavailable: 0, monitor: 0 } },
});
