import { createServer } from 'node:net';
import Docker from 'dockerode';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { demoCopy } from '../helpers/ferry-cli.js';

const demoScript = new URL('../../scripts/demo.mjs', import.meta.url).pathname;

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host: '127.0.0.1', port }, () => server.close(() => resolve(true)));
  });
}

describe('npm run demo (scripts/demo.mjs)', () => {
  it('runs the pipeline, deploys v1 rolling, a v2 canary and a bad v3 that rolls back, with 0 failed requests, and leaves nothing running', async () => {
    const copy = await demoCopy();
    const started = Date.now();
    const demo = await execa('node', [demoScript], {
      cwd: copy,
      env: { FERRY_DEMO_CWD: copy, FORCE_COLOR: '0' },
      reject: false,
      all: true,
    });
    const tookMs = Date.now() - started;
    console.log(`demo took ${tookMs} ms`);
    expect(demo.exitCode, demo.all).toBe(0);
    // The deploys as they happen: the rolling update, each canary step with its analysis, the rollback's reason.
    expect(demo.all).toMatch(/slug: rolling out revision 1 \(ferry-demo\/slug:latest\) to 3 replicas/);
    expect(demo.all).toMatch(/slug: canary step 1\/2: weight 25%/);
    expect(demo.all).toMatch(/slug: analysis at 25%: pass: error rate 0\.0%/);
    expect(demo.all).toMatch(/slug: analysis at 50%: pass: /);
    expect(demo.all).toMatch(/slug: canary of revision 2 promoted/);
    expect(demo.all).toMatch(/DEPLOY_UNHEALTHY: slug: canary of revision 3 .* aborted: .*500 broken on purpose/);
    const summary = demo.all.slice(demo.all.indexOf('━━ summary'));
    expect(summary).toMatch(/pipeline\s+green/);
    expect(summary).toMatch(
      /v1 rolling .* revision 1, 3 replicas[^\n]*\n\s+traffic: [\d,]+ requests, 0 failed; served: v1/,
    );
    expect(summary).toMatch(
      /v2 canary .* promoted to revision 2\n\s+traffic: [\d,]+ requests, 0 failed; served: v1 [\d,]+, v2 [\d,]+/,
    );
    expect(summary).toMatch(
      /v3 bad .* canary of revision 3 .* aborted: canary replica ferry-slug-r3-\w+ failed: 2 consecutive failed health checks.*\n\s+traffic: [\d,]+ requests, 0 failed; served: v2 [\d,]+$/m,
    );
    expect(summary).toMatch(/ok: 0 failed requests in all/);
    expect(summary).toContain('left running: nothing');
    const left = await new Docker().listContainers({ all: true, filters: { label: ['ferry.service=slug'] } });
    expect(left).toEqual([]);
    expect(await portIsFree(18080)).toBe(true);
    const proxies = await execa('pgrep', ['-f', 'ferry-demo-state-.*proxy'], { reject: false });
    expect(proxies.stdout).toBe('');
  });
});
