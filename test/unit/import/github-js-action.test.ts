import { describe, expect, it } from 'vitest';
import { importPipeline } from '../../../packages/engine/src/import/import-pipeline.js';
import { inputVariable, jsActionLauncher } from '../../../packages/engine/src/import/github-js-action.js';
import type { SourceReader } from '../../../packages/engine/src/import/import-types.js';

const files = (map: Record<string, string>): SourceReader => ({ read: (path) => map[path] });

function imported(
  workflow: string,
  repo: Record<string, string>,
  images: Record<string, string> = {},
  actionsDir?: Record<string, string>,
) {
  const outcome = importPipeline(workflow, '.github/workflows/ci.yml', files(repo), {
    images,
    ...(actionsDir ? { actions: files(actionsDir) } : {}),
  });
  if (!outcome.ok) throw new Error(outcome.problem);
  const jobs = outcome.pipeline.jobs as Record<
    string,
    { image: string; steps: Record<string, unknown>[]; actions?: string[] }
  >;
  return {
    jobs,
    entries: outcome.entries.map((entry) => `${entry.kind} ${entry.file}:${entry.line}: ${entry.message}`),
  };
}

const action = `name: hello
inputs:
  who: { description: who, required: true }
  greeting: { default: Hello }
  token: { default: '\${{ github.token }}' }
  sha: { default: '\${{ github.sha }}' }
runs:
  using: node20
  main: dist/index.js
  pre: dist/pre.js
  post: dist/post.js
  post-if: success()
`;

describe('JavaScript actions (runs.using: node*)', () => {
  it('runs a local action with node: INPUT_* from with: and defaults, the action path, state, and a post step at the end', () => {
    const { jobs, entries } = imported(
      `on: push
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: hi
        name: Say hello
        uses: ./.github/actions/hello
        with: { who: "\${{ matrix.x }}", Extra Input: 3 }
        env: { LEVEL: high }
      - run: echo "\${{ steps.hi.outputs.greeting }}"
`,
      { '.github/actions/hello/action.yml': action },
    );
    const job = jobs.a;
    expect(job?.image).toBe('node:20');
    expect(job?.steps).toHaveLength(3);
    const [main, run, post] = job?.steps ?? [];
    expect(main).toMatchObject({
      id: 'hi',
      name: 'Say hello',
      shell: 'node {0}',
      run: jsActionLauncher,
      workflowCommands: true,
      env: {
        LEVEL: 'high',
        INPUT_WHO: '${{ matrix.x }}',
        INPUT_GREETING: 'Hello',
        INPUT_TOKEN: "${{ '' }}",
        INPUT_SHA: '${{ git.sha }}',
        INPUT_EXTRA_INPUT: '3',
        GITHUB_ACTION: 'hi',
        GITHUB_ACTION_PATH: '/workspace/.github/actions/hello',
        GITHUB_STATE: '/tmp/ferry-actions/1/state',
        FERRY_ACTION_PHASE: 'main',
        FERRY_ACTION_SCRIPT: 'dist/index.js',
      },
    });
    expect(run).toMatchObject({ run: 'echo "${{ steps.hi.outputs.greeting }}"' });
    expect(post).toMatchObject({
      name: 'Post Say hello',
      if: 'success()',
      env: {
        FERRY_ACTION_PHASE: 'post',
        FERRY_ACTION_SCRIPT: 'dist/post.js',
        GITHUB_STATE: '/tmp/ferry-actions/1/state',
      },
    });
    expect(entries).toContain(
      "changed .github/actions/hello/action.yml:10: ./.github/actions/hello: pre is not run for a local action (GitHub's runner does not run it either)",
    );
    expect(entries.some((entry) => entry.startsWith('dropped'))).toBe(false);
  });

  it('runs the pre steps of vendored actions first and their post steps last, the last action first', () => {
    const vendored = (name: string) =>
      `runs:\n  using: node16\n  main: ${name}.js\n  pre: pre-${name}.js\n  post: post-${name}.js\n`;
    const { jobs, entries } = imported(
      `on: push
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - run: echo first
      - uses: acme/one@v1
      - uses: acme/tools/two@v2
        if: github.ref == 'refs/heads/main'
`,
      {
        '.github/vendor-actions/acme/one@v1/action.yml': vendored('one'),
        '.github/vendor-actions/acme/tools/two/action.yaml': vendored('two'),
      },
      { node: 'ferry/node:20' },
    );
    const steps = jobs.a?.steps ?? [];
    expect(jobs.a?.image).toBe('ferry/node:20');
    expect(steps.map((step) => step.name ?? step.run)).toEqual([
      'Pre acme/one@v1',
      'Pre acme/tools/two@v2',
      'echo first',
      'acme/one@v1',
      'acme/tools/two@v2',
      'Post acme/tools/two@v2',
      'Post acme/one@v1',
    ]);
    expect(steps[0]).toMatchObject({ if: 'always()' });
    expect(steps[4]).toMatchObject({
      if: "git.ref == 'refs/heads/main'",
      env: {
        GITHUB_ACTION_PATH: '/workspace/.github/vendor-actions/acme/tools/two',
        GITHUB_ACTION_REPOSITORY: 'acme/tools',
        GITHUB_ACTION_REF: 'v2',
        GITHUB_STATE: '/tmp/ferry-actions/2/state',
      },
    });
    expect(entries.filter((entry) => !entry.startsWith('changed'))).toEqual([]);
  });

  it('keeps dropping an action whose code is not vendored, naming where it looked, and a Docker action with its reason', () => {
    const { entries } = imported(
      `on: push
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - uses: acme/missing@v3
      - uses: ./docker-action
      - run: echo hi
`,
      { 'docker-action/action.yml': 'runs:\n  using: docker\n  image: Dockerfile\n' },
    );
    expect(entries).toContain(
      'dropped .github/workflows/ci.yml:6: acme/missing has no Ferry recipe and its code is not vendored in .github/vendor-actions/acme/missing[@v3]; it is dropped (vendor it there, or run what it does in a run: step)',
    );
    expect(entries).toContain(
      'dropped .github/workflows/ci.yml:7: ./docker-action is a Docker container action (docker-action/action.yml); Ferry does not build or run those as steps: run its image in a job of its own',
    );
  });

  it('keeps the recipe of an action it has one for, even when vendored', () => {
    const { jobs } = imported(
      'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/setup-node@v4\n        with: { node-version: 18 }\n      - run: node -v\n',
      {
        '.github/vendor-actions/actions/setup-node@v4/action.yml':
          'runs:\n  using: node20\n  main: dist/setup/index.js\n',
      },
    );
    expect(jobs.a?.image).toBe('node:18');
    expect(jobs.a?.steps).toEqual([{ run: 'node -v' }]);
  });

  it('warns that a job set up for another tool may have no node, and runs actions in the workspace despite defaults.run', () => {
    const { jobs, entries } = imported(
      `on: push
jobs:
  a:
    runs-on: ubuntu-latest
    defaults: { run: { working-directory: sub } }
    steps:
      - uses: actions/setup-python@v5
      - uses: ./act
`,
      { 'act/action.yml': 'runs: { using: node20, main: main.js }\n' },
    );
    expect(jobs.a?.image).toBe('python:3');
    expect(jobs.a?.steps[0]).toMatchObject({ workdir: '/workspace', env: { GITHUB_ACTION: '__act' } });
    expect(entries).toContain(
      'approximated .github/workflows/ci.yml:7: the job runs a JavaScript action in the python image, which may have no node (the step then fails with EXEC_NODE_MISSING)',
    );
  });

  it('names INPUT_ variables as @actions/core reads them', () => {
    expect(inputVariable('node-version')).toBe('INPUT_NODE-VERSION');
    expect(inputVariable('my input')).toBe('INPUT_MY_INPUT');
  });

  it('finds actions the repository does not vendor in the actions directory (act layout too), and names them in actions:', () => {
    const workflow = `on: push
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - uses: acme/one@v1
      - uses: acme/two/sub@v2
      - uses: acme/three@v3
`;
    const { jobs, entries } = imported(
      workflow,
      { '.github/vendor-actions/acme/three/action.yml': 'runs: { using: node20, main: x.js }\n' },
      {},
      {
        'acme/one@v1/action.yml': 'runs: { using: node20, main: one.js }\n',
        'acme-two@v2/sub/action.yml': 'runs: { using: composite, steps: [{ run: echo two, shell: bash }] }\n',
      },
    );
    expect(jobs.a?.actions).toEqual(['acme/one@v1', 'acme-two@v2']);
    expect(jobs.a?.steps[0]).toMatchObject({ env: { GITHUB_ACTION_PATH: '/opt/ferry-actions/acme/one@v1' } });
    expect(jobs.a?.steps[1]).toMatchObject({ run: 'echo two' });
    expect(jobs.a?.steps[2]).toMatchObject({
      env: { GITHUB_ACTION_PATH: '/workspace/.github/vendor-actions/acme/three' },
    });
    expect(entries.filter((entry) => entry.startsWith('dropped'))).toEqual([]);
    const missing = imported(
      'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: acme/four@v4\n',
      {},
      {},
      {},
    );
    expect(missing.entries).toContain(
      'dropped .github/workflows/ci.yml:6: acme/four has no Ferry recipe and its code is not vendored in .github/vendor-actions/acme/four[@v4] or the actions directory; it is dropped (vendor it there, or run what it does in a run: step)',
    );
  });

  it('inlines a vendored composite action with github.action_path and $GITHUB_ACTION_PATH pointing at its copy', () => {
    const { jobs, entries } = imported(
      'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: acme/lint@v1\n        with: { level: 2 }\n',
      {
        '.github/vendor-actions/acme/lint@v1/action.yml': `inputs: { level: { default: 1 } }
runs:
  using: composite
  steps:
    - run: \${{ github.action_path }}/lint.sh \${{ inputs.level }}
      shell: bash
    - run: "$GITHUB_ACTION_PATH/report.sh"
      shell: bash
    - run: echo done
      shell: bash
`,
      },
    );
    expect(jobs.a?.steps).toEqual([
      { run: "${{ '/workspace/.github/vendor-actions/acme/lint@v1' }}/lint.sh ${{ 2 }}", shell: 'bash' },
      {
        run: '$GITHUB_ACTION_PATH/report.sh',
        shell: 'bash',
        env: { GITHUB_ACTION_PATH: '/workspace/.github/vendor-actions/acme/lint@v1' },
      },
      { run: 'echo done', shell: 'bash' },
    ]);
    expect(entries.filter((entry) => !entry.startsWith('changed'))).toEqual([]);
  });

  it('reads workflow commands on run steps that print them, and only there', () => {
    const { jobs } = imported(
      'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "::add-mask::$TOKEN"\n      - run: echo "::set-output name=x::1"\n      - run: echo "a::b"\n',
      {},
    );
    expect(jobs.a?.steps.map((step) => step.workflowCommands ?? false)).toEqual([true, true, false]);
  });
});
