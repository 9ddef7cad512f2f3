import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ferry, tempRepo } from '../helpers/ferry-cli.js';

/**
 * A real library's GitHub workflow run as it is by `ferry run`, on the real engine. The library is
 * colorjs/color-name: it has no dependencies at all, so `npm ci` and `npm test` work without a registry (the
 * containers here cannot reach one). Its workflow is GitHub's Node.js starter workflow plus `npm pack` and an
 * upload-artifact step (test/fixtures/import/e2e/color-name/SOURCE.md says exactly what was taken from where).
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

describe('ferry run .github/workflows/ci.yml', () => {
  it("runs a Node library's workflow: checkout, setup-node with an npm cache, its tests and an artifact", async () => {
    const repo = await tempRepo(filesOf(fixture));
    const args = ['run', '.github/workflows/ci.yml', '--image', 'node=ferry/node:20'];
    const first = await ferry(args, repo);
    expect(first.exitCode, first.all).toBe(0);
    // The import report comes as warnings, each at its line of the workflow.
    expect(first.stderr).toContain('.github/workflows/ci.yml:25:1 warning IMPORT_CHANGED');
    expect(first.all).toContain('node ${{ matrix.node-version }} → image ferry/node:20');
    expect(first.all).toMatch(/cache: (miss|hit|restored)/);
    expect(first.all).toContain('color-name-2.1.0.tgz');

    const listed = await ferry(['artifacts', 'last'], repo);
    expect(listed.exitCode, listed.all).toBe(0);
    expect(listed.stdout).toContain('color-name-2.1.0.tgz');

    // The second run restores the npm cache the first one saved.
    const second = await ferry(args, repo);
    expect(second.exitCode, second.all).toBe(0);
    expect(second.all).toMatch(/cache: (hit|restored)/);
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
