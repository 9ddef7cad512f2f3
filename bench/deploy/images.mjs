// Builds the bench's images under its own tags (ferry-bench/…, so the tests' ferry-test/… tags are untouched):
// the versioned service v1, v2 (ok) and v3 (healthz missing) from test/fixtures/versioned-service, the same
// three with a HEALTHCHECK for Swarm, and the TCP forwarder. removeImages() untags them all.
import { readFileSync } from 'node:fs';
import { docker } from './util.mjs';

const fixture = new URL('../../test/fixtures/versioned-service/', import.meta.url).pathname;
const here = new URL('./', import.meta.url).pathname;
const variants = [
  ['v1', 'ok'],
  ['v2', 'ok'],
  ['v3', 'unhealthy'],
];

export const plainImage = (version) => `ferry-bench/versioned:${version}`;
export const swarmImage = (version) => `ferry-bench/versioned-hc:${version}`;
export const forwarderImage = 'ferry-bench/forwarder:1';

export async function buildImages() {
  await Promise.all(
    variants.map(([version, behaviour]) =>
      docker([
        'build',
        '-q',
        '-t',
        plainImage(version),
        '--build-arg',
        `VERSION=${version}`,
        '--build-arg',
        `BEHAVIOUR=${behaviour}`,
        fixture,
      ]),
    ),
  );
  const healthcheck = readFileSync(`${here}swarm-healthcheck.Dockerfile`, 'utf8');
  await Promise.all(
    variants.map(([version]) =>
      docker(['build', '-q', '-t', swarmImage(version), '--build-arg', `BASE=${plainImage(version)}`, '-'], {
        input: healthcheck,
      }),
    ),
  );
  await docker(['build', '-q', '-t', forwarderImage, `${here}forwarder`]);
}

export async function removeImages(warn = console.error) {
  const tags = [...variants.flatMap(([version]) => [swarmImage(version), plainImage(version)]), forwarderImage];
  for (const tag of tags)
    await docker(['rmi', tag]).catch(
      (error) => /No such image/.test(error.message) || warn(`cleanup: ${error.message}`),
    );
}
