import { parsePipeline } from '@ferry/engine';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { forgeAdapters } from '../../../packages/runner/src/webhook/forge-adapters.js';
import { handleDelivery, type DeliveryDeps } from '../../../packages/runner/src/webhook/handle-delivery.js';
import { isHttpErrorCode } from '../../../packages/runner/src/webhook/http-status.js';
import type { PipelineSource } from '../../../packages/runner/src/webhook/pipeline-source.js';
import { deliveryOf, loadFixture } from '../webhook/deliveries.js';

// The delivery handler over mutated real payloads, correctly signed (so that every mutation reaches the
// parsers): always an answer, 2xx or 4xx, with a known error code and a one-line log summary; never an exception.

type Forge = 'github' | 'gitlab' | 'gitea' | 'generic';
const fixtures: [Forge, string, string][] = [
  ['github', 'push', 'push'],
  ['github', 'push-tag', 'push'],
  ['github', 'pull_request-opened-fork', 'pull_request'],
  ['github', 'ping', 'ping'],
  ['github', 'issues-opened', 'issues'],
  ['gitlab', 'push-hook', 'Push Hook'],
  ['gitlab', 'tag-push-hook', 'Tag Push Hook'],
  ['gitlab', 'merge-request-hook', 'Merge Request Hook'],
  ['gitea', 'push', 'push'],
  ['gitea', 'pull_request-synchronized', 'pull_request'],
  ['generic', 'push', 'push'],
];
const secrets: Record<Forge, string> = { github: 'gh', gitlab: 'gl', gitea: 'gt', generic: 'gn' };

const pipelines: PipelineSource = {
  read: (_repo, _sha, path) => {
    const parsed = parsePipeline(
      'jobs:\n  a:\n    image: ferry/busybox:1\n    steps:\n      - run: "true"\n',
      path ?? 'ferry.yml',
    );
    return Promise.resolve({
      path: path ?? 'ferry.yml',
      ...(parsed.spec ? { spec: parsed.spec } : {}),
      issues: parsed.issues,
    });
  },
  changedPaths: () => Promise.resolve(['src/app.ts']),
  resolveRef: () => Promise.resolve(undefined),
};
const deps: DeliveryDeps = {
  settings: { defaultSecrets: secrets, repositories: [{ name: 'acme/own', secret: 'own' }], labels: [] },
  pipelines,
  enqueue: (_request, key) => Promise.resolve({ runId: key, created: true, status: 'queued', queue: 'runs' }),
};

/** Every path to a value in a JSON document. */
function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return [prefix, ...value.flatMap((item, index) => pathsOf(item, [...prefix, index]))];
  if (value !== null && typeof value === 'object')
    return [prefix, ...Object.entries(value).flatMap(([key, item]) => pathsOf(item, [...prefix, key]))];
  return [prefix];
}

function setAt(root: unknown, path: (string | number)[], value: unknown, remove: boolean): unknown {
  if (path.length === 0) return remove ? undefined : value;
  const copy: any = Array.isArray(root) ? [...root] : { ...(root as object) };
  const [head, ...rest] = path as [string | number, ...(string | number)[]];
  if (rest.length === 0) {
    if (remove) delete copy[head];
    else copy[head] = value;
  } else copy[head] = setAt(copy[head], rest, value, remove);
  return copy;
}

const hostileStrings = fc.constantFrom(
  'refs/heads/../../x',
  'refs/heads/-x',
  'refs/heads/a\nb',
  '$(id)',
  '--upload-pack=touch /tmp/p',
  'ext::sh -c id',
  'fd::3',
  'file:///etc',
  '/etc/passwd',
  'https://u:p@h/x.git',
  'ACME/OWN.git',
  '',
  '\u0000',
  'x'.repeat(5000),
);
const edit = fc.record({
  at: fc.double({ min: 0, max: 1, noNaN: true }),
  remove: fc.boolean(),
  value: fc.oneof(fc.jsonValue({ maxDepth: 2 }), hostileStrings),
});

describe('fuzz: webhook deliveries with mutated real payloads', () => {
  it('answers every one with 2xx or 4xx, a known code and a one-line summary', async () => {
    const seen = new Set<number>();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...fixtures),
        fc.array(edit, { minLength: 1, maxLength: 5 }),
        async ([forge, name, event], edits) => {
          let payload: unknown = loadFixture(forge, name);
          for (const change of edits) {
            const paths = pathsOf(payload);
            const path = paths[Math.floor(change.at * paths.length)] ?? [];
            payload = setAt(payload, path, change.value, change.remove);
          }
          const delivery = deliveryOf(
            forge,
            event,
            payload === undefined ? '' : JSON.stringify(payload),
            secrets[forge],
          );
          const answer = await handleDelivery(deps, forgeAdapters[forge], {
            headers: delivery.headers,
            body: Buffer.from(delivery.body),
          });
          seen.add(answer.statusCode);
          expect(answer.statusCode).toBeGreaterThanOrEqual(200);
          expect(answer.statusCode).toBeLessThan(500);
          const code = (answer.body as { error?: string }).error;
          if (code !== undefined) expect(isHttpErrorCode(code as never), code).toBe(true);
          expect(answer.summary).not.toMatch(/[\r\n]/);
        },
      ),
      { numRuns: 500, seed: 20261206 },
    );
    // The mutations reach both sides: some still queue, some are refused as malformed or unauthorised.
    expect([...seen]).toEqual(expect.arrayContaining([202, 400]));
  });

  it('answers raw byte damage to a signed body with 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...fixtures),
        fc.array(fc.record({ at: fc.double({ min: 0, max: 1, noNaN: true }), text: fc.string({ maxLength: 4 }) }), {
          minLength: 1,
          maxLength: 4,
        }),
        async ([forge, name, event], damage) => {
          let body = JSON.stringify(loadFixture(forge, name));
          for (const { at, text } of damage) {
            const index = Math.floor(at * body.length);
            body = body.slice(0, index) + text + body.slice(index + 1);
          }
          const delivery = deliveryOf(forge, event, body, secrets[forge]);
          const answer = await handleDelivery(deps, forgeAdapters[forge], {
            headers: delivery.headers,
            body: Buffer.from(body),
          });
          expect(answer.statusCode).toBeLessThan(500);
        },
      ),
      { numRuns: 300, seed: 20261206 },
    );
  });
});
