import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import Docker from 'dockerode';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { CacheStore } from '../../packages/engine/src/store/cache-store.js';
import { ferry, tempRepo } from '../helpers/ferry-cli.js';
import { ferryContainers } from '../helpers/run-yaml.js';

const docker = new Docker();

/**
 * colorjs/color-rgba's own workflow, unmodified, run by `ferry run` on the real engine: checkout, setup-node with
 * `cache: npm`, `npm ci`, `npm test`, on a Node matrix (test/fixtures/import/e2e/color-rgba/SOURCE.md). The
 * library has three small dependencies and containers here reach no registry, so npm's cache is seeded with the
 * exact registry tarballs its lockfile names (vendored beside it) under a key the workflow's restore key matches:
 * the first run restores that, installs offline and saves its own key; the second run hits it.
 */
const ownWorkflow = new URL('../fixtures/import/e2e/color-rgba', import.meta.url).pathname;

/**
 * colorjs/color-name with GitHub's Node.js starter workflow plus `npm pack` and upload-artifact (the library has
 * no workflow of its own): what color-rgba's workflow does not have, an artifact
 * (test/fixtures/import/e2e/color-name/SOURCE.md says what was taken from where).
 */
const fixture = new URL('../fixtures/import/e2e/color-name', import.meta.url).pathname;

function filesOf(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (at: string): void => {
    for (const name of readdirSync(at)) {
      const path = join(at, name);
      if (statSync(path).isDirectory()) walk(path);
      else files[relative(dir, path)] = readFileSync(path, 'utf8');
    }
  };
  walk(dir);
  return files;
}

/** A cache dir holding npm's cache of the vendored tarballs under `npm-seeded-…`, as `.ferry-cache/npm` in the workdir. */
async function seededCacheDir(): Promise<string> {
  const seed = mkdtempSync(join(tmpdir(), 'ferry-npm-seed-'));
  const registry = join(ownWorkflow, 'registry');
  const tarballs = readdirSync(registry).map((name) => join(registry, name));
  const npmCache = join(seed, '.ferry-cache', 'npm');
  await execa('npm', ['cache', 'add', ...tarballs, '--cache', npmCache, '--offline']);
  rmSync(join(npmCache, '_logs'), { recursive: true, force: true });
  await execa('tar', ['-cf', join(seed, 'seed.tar'), '-C', seed, '.ferry-cache']);
  const cacheDir = mkdtempSync(join(tmpdir(), 'ferry-cache-'));
  new CacheStore(cacheDir, 1 << 30).save('npm-seeded-from-the-lockfile-tarballs', join(seed, 'seed.tar'));
  rmSync(seed, { recursive: true, force: true });
  return cacheDir;
}

async function lastRunId(dir: string): Promise<string> {
  const runs = await ferry(['runs', '--json'], dir);
  return (JSON.parse(runs.stdout) as Array<{ id: string }>)[0]?.id ?? '';
}

async function expectNothingLeft(runId: string): Promise<void> {
  expect(runId).not.toBe('');
  const filters = { label: [`ferry.run=${runId}`] };
  expect(await ferryContainers(docker, runId)).toEqual([]);
  expect(await docker.listNetworks({ filters })).toEqual([]);
  expect((await docker.listVolumes({ filters })).Volumes ?? []).toEqual([]);
}

const cells = ['14', '16', '18'].map((v) => `build (node-version=${v})`);

describe("ferry run of a library's own workflow (colorjs/color-rgba .github/workflows/test.js.yml)", () => {
  const workflow = '.github/workflows/test.js.yml';

  it('installs from the npm cache, runs its tests on every matrix cell, saves the cache, then hits it', async () => {
    const repo = await tempRepo(filesOf(join(ownWorkflow, 'repo')));
    const cacheDir = await seededCacheDir();
    const args = ['run', workflow, '--image', 'node=ferry/node:20', '--cache-dir', cacheDir];

    const first = await ferry(args, repo);
    expect(first.exitCode, first.all).toBe(0);
    expect(first.stderr).toContain(`${workflow}:25:1 warning IMPORT_CHANGED`);
    expect(first.all).toContain('node ${{ matrix.node-version }} → image ferry/node:20');
    // setup-node's key: npm- and the hash of package-lock.json, the same for every cell.
    const key = /cache: restored npm-seeded-from-the-lockfile-tarballs for (npm-[0-9a-f]{64}) /.exec(first.all)?.[1];
    expect(key, first.all).toBeDefined();
    for (const cell of cells) {
      expect(first.all).toContain(`[${cell}] cache: restored npm-seeded-from-the-lockfile-tarballs for ${key} (`);
      expect(first.all).toContain(`[${cell}/1] added 3 packages`);
      expect(first.all).toContain(`[${cell}/3] > color-rgba@3.0.0 test`);
      expect(first.all).toContain(`[${cell}/3] > node test.js`);
      expect(first.all).toContain(`[${cell}] cache: saved ${key} (`);
      expect(first.all).toContain(`[${cell}] ✓ success`);
    }
    await expectNothingLeft(await lastRunId(repo));

    const second = await ferry(args, repo);
    expect(second.exitCode, second.all).toBe(0);
    for (const cell of cells) {
      expect(second.all).toContain(`[${cell}] cache: hit ${key} (`);
      expect(second.all).toContain(`[${cell}/1] added 3 packages`);
      expect(second.all).toContain(`[${cell}/3] > node test.js`);
    }
    expect(second.all).not.toContain('cache: saved');
    await expectNothingLeft(await lastRunId(repo));
  }, 240_000);

  it("fails like the workflow when the library's test fails", async () => {
    const files = filesOf(join(ownWorkflow, 'repo'));
    files['test.js'] = `${files['test.js'] ?? ''}\nassert.deepEqual(rgba('red'), [0, 0, 0, 1])\n`;
    const repo = await tempRepo(files);
    const run = await ferry(
      ['run', workflow, '--image', 'node=ferry/node:20', '--cache-dir', await seededCacheDir()],
      repo,
    );
    expect(run.exitCode, run.all).toBe(1);
    expect(run.all).toContain('AssertionError');
    await expectNothingLeft(await lastRunId(repo));
  }, 240_000);
});

describe('ferry run .github/workflows/ci.yml', () => {
  it("runs a Node library's workflow: checkout, setup-node with an npm cache, its tests and an artifact", async () => {
    const repo = await tempRepo(filesOf(fixture));
    const args = ['run', '.github/workflows/ci.yml', '--image', 'node=ferry/node:20'];
    const first = await ferry(args, repo);
    expect(first.exitCode, first.all).toBe(0);
    // The import report comes as warnings, each at its line of the workflow.
    expect(first.stderr).toContain('.github/workflows/ci.yml:25:1 warning IMPORT_CHANGED');
    expect(first.all).toContain('node ${{ matrix.node-version }} → image ferry/node:20');
    const key = /cache: miss (npm-[0-9a-f]{64})/.exec(first.all)?.[1];
    expect(key, first.all).toBeDefined();
    expect(first.all).toContain(`cache: saved ${key} (`);
    expect(first.all).toContain('artifacts: saved color-name-2.1.0.tgz');
    await expectNothingLeft(await lastRunId(repo));

    // The artifact is the package npm pack made: extract it and read the tarball's package.json.
    const out = mkdtempSync(join(tmpdir(), 'ferry-artifacts-'));
    const extracted = await ferry(['artifacts', 'last', '--extract', out], repo);
    expect(extracted.exitCode, extracted.all).toBe(0);
    const tgz = join(out, 'build_node-version=20_', 'color-name-2.1.0.tgz');
    const manifest = await execa('tar', ['-xzOf', tgz, 'package/package.json']);
    expect(JSON.parse(manifest.stdout)).toMatchObject({ name: 'color-name', version: '2.1.0' });

    // The second run restores the npm cache the first one saved.
    const second = await ferry(args, repo);
    expect(second.exitCode, second.all).toBe(0);
    expect(second.all).toContain(`cache: hit ${key} (`);
    await expectNothingLeft(await lastRunId(repo));
  }, 240_000);

  it('fails like the workflow when the library test fails', async () => {
    const files = filesOf(fixture);
    files['test.js'] = `${files['test.js'] ?? ''}\nassert.deepEqual(names.red, [0, 0, 0]);\n`;
    const repo = await tempRepo(files);
    const run = await ferry(['run', '.github/workflows/ci.yml', '--image', 'node=ferry/node:20'], repo);
    expect(run.exitCode, run.all).toBe(1);
    expect(run.all).toContain('AssertionError');
  }, 240_000);

  it('ferry import writes the pipeline and exits 0 when nothing was dropped', async () => {
    const repo = await tempRepo(filesOf(fixture));
    const imported = await ferry(['import', '.github/workflows/ci.yml', '--image', 'node=ferry/node:20'], repo);
    expect(imported.exitCode, imported.all).toBe(0);
    expect(imported.stderr).toContain('.github/workflows/ci.yml:25 changed: node');
    expect(readFileSync(join(repo, 'ferry.yml'), 'utf8')).toContain('image: ferry/node:20');
    const validated = await ferry(['validate'], repo);
    expect(validated.exitCode, validated.all).toBe(0);
  }, 60_000);
});
