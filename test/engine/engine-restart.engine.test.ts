import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../packages/engine/src/clock.js';
import { startHealer } from '../../packages/engine/src/deploy/heal-services.js';
import { startDeployHarness } from '../helpers/deploy-harness.js';
import type { DeployHarness } from '../helpers/deploy-harness.js';
import { restartDockerEngine } from '../helpers/docker-engine.js';
import { freePort } from '../helpers/free-port.js';
import { startLoad } from '../helpers/load-generator.js';
import { buildVersionedImages, versionedSpec } from '../helpers/versioned-service.js';

// Restarts the Docker engine: run alone, after the main suite (vitest.engine.config.ts), never beside other files.

let harness: DeployHarness;
const healerLog: string[] = [];

beforeAll(async () => {
  await buildVersionedImages();
  harness = await startDeployHarness('engine');
}, 120_000);

afterAll(async () => {
  await harness?.close();
});

describe('a Docker engine restart with a deployed service', () => {
  it('returns to full count within 20 s of the engine answering, without a deploy, then serves with 0 failures', async () => {
    const port = await freePort();
    expect((await harness.deploy('survivor', versionedSpec('v1', port, 3))).status).toBe('deployed');
    const before = await harness.provider.list('survivor');
    const healer = startHealer({
      stateDir: harness.stateDir,
      provider: harness.provider,
      router: harness.client,
      clock: systemClock,
      log: (line) => healerLog.push(line),
    });
    try {
      const { answeredAt, downMs } = await restartDockerEngine();
      let fullAt = 0;
      while (!fullAt && Date.now() - answeredAt < 30_000) {
        const replicas = await harness.provider.list('survivor').catch(() => []);
        const routed = await harness.client.backends('survivor');
        const serving = replicas.filter((r) => r.running && routed.includes(r.id));
        if (serving.length === 3 && routed.length === 3 && replicas.length === 3) fullAt = Date.now();
        else await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const backIn = fullAt - answeredAt;
      console.log(`engine restart: down ${downMs} ms; full count ${backIn} ms after the engine answered`);
      expect(fullAt, healerLog.join('\n')).toBeGreaterThan(0);
      expect(backIn).toBeLessThanOrEqual(20_000);
      const after = await harness.provider.list('survivor');
      expect(after.filter((r) => before.some((old) => old.id === r.id))).toEqual([]);

      const load = startLoad(`http://127.0.0.1:${port}/version`, { clients: 4, rate: 100 });
      while (load.requests() < 3000) await new Promise((resolve) => setTimeout(resolve, 100));
      const report = await load.stop();
      console.log(`after the engine restart: ${report.failed} failed of ${report.requests}`);
      expect(report.failed, JSON.stringify(report.failures)).toBe(0);
      expect(report.bodies['v1']).toBe(report.requests);
    } finally {
      await healer.stop();
    }
  });
});
