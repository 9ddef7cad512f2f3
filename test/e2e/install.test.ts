import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { execa } from 'execa';
import { redisUrlFor } from '../setup/queue-fixtures.js';
import { describe, expect, it } from 'vitest';
import { tempRepo } from '../helpers/ferry-cli.js';

const root = new URL('../../', import.meta.url).pathname;

describe('installing ferry from its packed tarball', () => {
  it('installs into a fresh prefix and runs ferry init + ferry run in an unrelated Node repository', async () => {
    const work = mkdtempSync(join(tmpdir(), 'ferry-install-'));
    const packed = await execa('bash', [join(root, 'scripts/pack.sh'), join(work, 'pack')], { all: true });
    const tarball = packed.stdout.trim().split('\n').pop()!;
    expect(tarball).toMatch(/ferry-cli-0\.1\.0\.tgz$/);

    const prefix = join(work, 'prefix');
    const installed = await execa(
      'npm',
      ['install', '-g', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', tarball],
      { all: true, reject: false },
    );
    expect(installed.exitCode, installed.all).toBe(0);

    // Only the prefix's bin on PATH for ferry: nothing of this checkout can be picked up.
    const env = { PATH: `${join(prefix, 'bin')}${delimiter}${process.env.PATH ?? ''}`, FORCE_COLOR: '0' };
    const repo = await tempRepo({
      'package.json': JSON.stringify(
        {
          name: 'tiny-lib',
          version: '1.0.0',
          type: 'module',
          scripts: { lint: 'node --check index.js', test: 'node --test' },
        },
        null,
        2,
      ),
      'package-lock.json': JSON.stringify({
        name: 'tiny-lib',
        version: '1.0.0',
        lockfileVersion: 3,
        requires: true,
        packages: { '': { name: 'tiny-lib', version: '1.0.0' } },
      }),
      'index.js': 'export const add = (a, b) => a + b;\n',
      'add.test.js':
        "import { test } from 'node:test';\nimport assert from 'node:assert';\nimport { add } from './index.js';\ntest('adds', () => assert.equal(add(2, 3), 5));\n",
    });
    const ferry = (args: string[]) => execa('ferry', args, { cwd: repo, env, all: true, reject: false });

    const help = await ferry(['--help']);
    expect(help.exitCode, help.all).toBe(0);
    expect(help.all).toContain('init');
    const init = await ferry(['init']);
    expect(init.exitCode, init.all).toBe(0);
    expect(init.all).toContain('wrote ferry.yml: 2 jobs (lint, test)');
    expect(readFileSync(join(repo, 'ferry.yml'), 'utf8')).toContain("npm-${{ hashFiles('package-lock.json') }}");

    const run = await ferry(['run']);
    expect(run.exitCode, run.all).toBe(0);
    expect(run.all).toMatch(/\[test\/[^\]]+\].*pass 1/);
    expect(run.all).toMatch(/cache: miss/);
    const again = await ferry(['run', '--job', 'test']);
    expect(again.exitCode, again.all).toBe(0);
    expect(again.all).toMatch(/cache: (hit|restored)/);

    // The installed `ferry serve` answers / with the web page, and its script.
    const serve = execa(
      'ferry',
      ['serve', '--port', '0', '--redis', redisUrlFor(10), '--workdir', join(work, 'serve')],
      {
        cwd: repo,
        env: { ...env, FERRY_API_TOKEN: 'install-test-token' },
        all: true,
        reject: false,
      },
    );
    try {
      let printed = '';
      serve.all?.on('data', (chunk: Buffer) => (printed += chunk.toString()));
      const deadline = Date.now() + 20_000;
      let base: string | undefined;
      while (!(base = /serving (http:\/\/127\.0\.0\.1:\d+)/.exec(printed)?.[1]) && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 100));
      expect(base, printed).toBeDefined();
      const page = await fetch(`${base}/`);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('<main id="app">');
      const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
      expect(script).toBeDefined();
      const asset = await fetch(`${base}${script}`);
      expect(asset.status).toBe(200);
      expect(await asset.text()).toContain('/api/runs/stream');
    } finally {
      serve.kill('SIGTERM');
      await serve;
    }
  }, 300_000);
});
