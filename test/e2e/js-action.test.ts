import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ferry, tempRepo } from '../helpers/ferry-cli.js';

/**
 * A GitHub workflow using a JavaScript action written against the plain runtime contract (no @actions/core, no
 * npm install): it reads process.env.INPUT_*, appends to $GITHUB_OUTPUT, $GITHUB_ENV and $GITHUB_STATE, and prints
 * workflow commands, as actions built with @actions/core do. `ferry run` runs it on the real engine in ferry/node:20.
 */
const actionYml = `name: greet
description: says hello and cleans up afterwards
inputs:
  who: { description: whom to greet, required: true }
  greeting: { description: the word, default: Hello }
  sha: { description: the commit, default: '\${{ github.sha }}' }
outputs:
  greeting: { description: the whole greeting }
runs:
  using: node20
  main: dist/main.js
  post: dist/post.js
`;

const mainJs = `const fs = require('fs');
const { INPUT_WHO: who, INPUT_GREETING: greeting, INPUT_SHA: sha } = process.env;
fs.appendFileSync(process.env.GITHUB_OUTPUT, 'greeting=' + greeting + ', ' + who + '\\n');
fs.appendFileSync(process.env.GITHUB_ENV, 'GREETED=' + who + '\\n');
fs.appendFileSync(process.env.GITHUB_STATE, 'started<<EOF_1\\nstate from main\\nEOF_1\\n');
console.log('::add-mask::the-secret-value-42');
console.log('::set-output name=legacy::via-stdout');
console.log('::save-state name=old::via-save-state');
console.log('::warning file=src/a.js,line=3::mind the gap');
console.log('main: sha is ' + (sha.length === 40 ? 'a full sha' : 'missing: ' + sha) + ', action at ' + process.env.GITHUB_ACTION_PATH);
console.log('main: the-secret-value-42 in cwd ' + process.cwd());
`;

const postJs = `console.log('post: started=' + process.env.STATE_started + ' old=' + process.env.STATE_old + ' greeted=' + process.env.GREETED);
`;

const workflow = (extra: string) => `name: ci
on: push
jobs:
  greet:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: hello
        uses: ./.github/actions/greet
        with:
          who: ferry
      - if: github.ref == 'refs/heads/nope'
        uses: ./.github/actions/greet
        with: { who: nobody }
      - if: steps.hello.outputs.greeting == 'Hello, ferry'
        run: echo "seen \${{ steps.hello.outputs.greeting }} legacy \${{ steps.hello.outputs.legacy }} env $GREETED"
      - run: echo "leaked? the-secret-value-42"
${extra}`;

const files = (extra = '') => ({
  '.github/workflows/ci.yml': workflow(extra),
  '.github/actions/greet/action.yml': actionYml,
  '.github/actions/greet/dist/main.js': mainJs,
  '.github/actions/greet/dist/post.js': postJs,
});

describe('ferry run of a workflow with a JavaScript action', () => {
  it('gives the action its inputs and defaults, reads its outputs, env, state and masks, and runs post after a failure', async () => {
    const repo = await tempRepo(files('      - run: exit 3\n      - run: echo never reached\n'));
    const run = await ferry(['run', '.github/workflows/ci.yml', '--image', 'node=ferry/node:20'], repo);
    expect(run.exitCode, run.all).toBe(1);
    const out = run.all;
    expect(out).toContain('main: sha is a full sha, action at /workspace/.github/actions/greet');
    expect(out).toContain('main: *** in cwd /workspace');
    expect(out).toContain('seen Hello, ferry legacy via-stdout env ferry');
    expect(out).toContain('leaked? ***');
    expect(out).toContain('warning: src/a.js:3: mind the gap');
    expect(out).toContain('post: started=state from main old=via-save-state greeted=ferry');
    expect(out).not.toContain('never reached');
    // The second use of the action was skipped: its post step has nothing to clean up.
    expect(out).toContain('the action did not run: no post step');
    expect(out).not.toContain('nobody');
    expect(out).not.toContain('the-secret-value-42');
    expect(out).not.toContain('::set-output');

    const logs = await ferry(['logs', 'last'], repo);
    expect(logs.exitCode, logs.all).toBe(0);
    expect(logs.all).toContain('leaked? ***');
    expect(logs.all).toContain('post: started=state from main');
    expect(logs.all).not.toContain('the-secret-value-42');
    // Post steps run after the failed step, the last action's first (step 7 is the skipped second use).
    const at = (text: string) => logs.all.indexOf(text);
    expect(at('step 7: Post ./.github/actions/greet')).toBeGreaterThan(at('step 5: exit 3'));
    expect(at('step 8: Post ./.github/actions/greet')).toBeGreaterThan(at('the action did not run: no post step'));
    expect(at('the action did not run: no post step')).toBeGreaterThan(at('step 7: Post'));
    expect(at('post: started=state from main')).toBeGreaterThan(at('step 8: Post'));
    expect(logs.all).toContain('greet failed: step "exit 3" exited with code 3');
  }, 180_000);

  it('fails the action step with EXEC_NODE_MISSING, naming the action and the image, when the image has no node', async () => {
    const noNode = await tempRepo(files());
    const run = await ferry(['run', '.github/workflows/ci.yml', '--image', 'node=ferry/busybox:1'], noNode);
    expect(run.exitCode, run.all).toBe(1);
    expect(run.all).toContain(
      'the JavaScript action "./.github/actions/greet" needs node, which image ferry/busybox:1 does not have',
    );
  }, 120_000);

  it('runs a real published action (juliangruber/read-file-action, @actions/core) vendored in the repository', async () => {
    const fixture = new URL('../fixtures/import/e2e/read-file-action/', import.meta.url).pathname;
    const vendored = '.github/vendor-actions/juliangruber/read-file-action@v1';
    const repo = await tempRepo({
      [`${vendored}/action.yml`]: readFileSync(`${fixture}action.yml`, 'utf8'),
      [`${vendored}/dist/index.js`]: readFileSync(`${fixture}dist/index.js`, 'utf8'),
      VERSION: '  1.2.3  \n',
      '.github/workflows/ci.yml': `on: push
jobs:
  release:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: raw
        uses: juliangruber/read-file-action@v1
        with: { path: ./VERSION }
      - id: version
        uses: juliangruber/read-file-action@v1
        with: { path: ./VERSION, trim: true }
      - if: steps.version.outputs.content == '1.2.3'
        run: echo "version [\${{ steps.version.outputs.content }}] raw [\${{ steps.raw.outputs.content }}]"
`,
    });
    const run = await ferry(['run', '.github/workflows/ci.yml', '--image', 'node=ferry/node:20'], repo);
    expect(run.exitCode, run.all).toBe(0);
    expect(run.all).toContain('version [1.2.3] raw [  1.2.3  ');
    expect(run.all).toContain('juliangruber/read-file-action@v1: the node24 action in .github/vendor-actions/');
  }, 120_000);

  it("copies an action from FERRY_ACTIONS_DIR (act's owner-repo@ref layout) into the job's container", async () => {
    const fixture = new URL('../fixtures/import/e2e/read-file-action/', import.meta.url).pathname;
    const actionsDir = mkdtempSync(join(tmpdir(), 'ferry-actions-'));
    cpSync(fixture, join(actionsDir, 'juliangruber-read-file-action@v1'), { recursive: true });
    const repo = await tempRepo({
      VERSION: '2.0.0\n',
      '.github/workflows/ci.yml': `on: push
jobs:
  read:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: version
        uses: juliangruber/read-file-action@v1
        with: { path: VERSION, trim: true }
      - run: echo "read [\${{ steps.version.outputs.content }}] from $(ls /opt/ferry-actions)"
`,
    });
    const args = ['run', '.github/workflows/ci.yml', '--image', 'node=ferry/node:20'];
    const run = await ferry(args, repo, { FERRY_ACTIONS_DIR: actionsDir });
    expect(run.exitCode, run.all).toBe(0);
    expect(run.all).toContain('actions: copied juliangruber-read-file-action@v1 from');
    expect(run.all).toContain('read [2.0.0] from juliangruber-read-file-action@v1');

    const importArgs = ['import', '.github/workflows/ci.yml', '--stdout'];
    const imported = await ferry(importArgs, repo, { FERRY_ACTIONS_DIR: actionsDir });
    expect(imported.exitCode, imported.all).toBe(0);
    expect(imported.stdout).toContain('actions:\n      - juliangruber-read-file-action@v1');
    const without = await ferry(importArgs, repo);
    expect(without.exitCode, without.all).toBe(3);
    expect(without.stderr).toContain(
      'juliangruber/read-file-action has no Ferry recipe and its code is not vendored in .github/vendor-actions/juliangruber/read-file-action[@v1]; it is dropped',
    );
  }, 120_000);
});
