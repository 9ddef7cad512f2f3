import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
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

const toolsImage = 'ferry-tools:python3.12-node20';
afterAll(() => {
  execFileSync('docker', ['image', 'rm', '-f', toolsImage], { stdio: 'ignore' });
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

  it('builds an image with both tools for a job that sets up python and node, and runs the job in it', async () => {
    // The local stand-ins: python's image is ferry/bash:1 (bash, no /usr/local), node's is ferry/node:20. node
    // copied into ferry/bash:1 lacks libstdc++ there (Debian's python image has it), so the step checks the
    // copied files and bash, which only the generated image has together.
    const repo = await tempRepo({
      '.github/workflows/ci.yml': `on: push
jobs:
  both:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/setup-python@v5
        with: { python-version: "3.12" }
      - uses: actions/setup-node@v4
        with: { node-version: 20 }
      - run: |
          bash -c 'echo "bash $BASH_VERSION"'
          test -x /usr/local/bin/node
          grep -m1 '"name": "npm"' /usr/local/lib/node_modules/npm/package.json
`,
    });
    const run = await ferry(
      ['run', '.github/workflows/ci.yml', '--image', 'python=ferry/bash:1', '--image', 'node=ferry/node:20'],
      repo,
    );
    expect(run.exitCode, run.all).toBe(0);
    expect(run.all).toContain(`the build job tools-python-3_12-node-20 makes ${toolsImage} from ferry/bash:1`);
    expect(run.all).toMatch(/bash \d/);
    expect(run.all).toContain('"name": "npm"');
  }, 120_000);
});
