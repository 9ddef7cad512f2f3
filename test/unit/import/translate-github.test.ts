import { describe, expect, it } from 'vitest';
import { importPipeline } from '../../../packages/engine/src/import/import-pipeline.js';
import { parsePipeline } from '../../../packages/engine/src/pipeline/parse-pipeline.js';
import type { ImportEntry, SourceReader } from '../../../packages/engine/src/import/import-types.js';

const files = (map: Record<string, string>): SourceReader => ({ read: (path) => map[path] });

function imported(text: string, reader: SourceReader = files({}), images: Record<string, string> = {}) {
  const outcome = importPipeline(text, '.github/workflows/ci.yml', reader, { images });
  if (!outcome.ok) throw new Error(outcome.problem);
  return outcome;
}
const jobOf = (text: string, id: string, reader?: SourceReader, images?: Record<string, string>) =>
  (imported(text, reader, images).pipeline.jobs as Record<string, Record<string, unknown>>)[id] as Record<
    string,
    unknown
  >;
const kinds = (entries: ImportEntry[]) => entries.map((entry) => `${entry.kind} ${entry.line}: ${entry.message}`);

describe('importPipeline (GitHub Actions)', () => {
  it('maps checkout, setup-node with an npm cache, and upload-artifact onto job settings', () => {
    const job = jobOf(
      `on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with: { fetch-depth: 0 }
      - uses: actions/setup-node@v4
        with: { node-version: 20.x, cache: npm }
      - run: npm test
      - uses: actions/upload-artifact@v4
        if: always()
        with: { name: report, path: coverage/, retention-days: 2 }
`,
      'test',
    );
    expect(job).toMatchObject({
      image: 'node:20',
      checkout: { depth: 0 },
      env: { npm_config_cache: '/workspace/.ferry-cache/npm' },
      cache: {
        key: "npm-${{ hashFiles('**/package-lock.json') }}",
        paths: ['.ferry-cache/npm'],
        restoreKeys: ['npm-'],
      },
      artifacts: { paths: ['coverage/'], when: 'always', expireIn: '48h' },
      steps: [{ run: 'npm test' }],
    });
  });

  it('gives a job without actions/checkout an empty workdir, as GitHub does', () => {
    expect(
      jobOf('on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps: [{ run: echo hi }]\n', 'a').checkout,
    ).toBe(false);
  });

  it('reads the node version from .nvmrc and maps it through --image overrides', () => {
    const text = `on: push
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/setup-node@v4
        with: { node-version-file: .nvmrc }
      - run: node -v
`;
    expect(jobOf(text, 'a', files({ '.nvmrc': 'v18.19.0\n' })).image).toBe('node:18.19.0');
    expect(jobOf(text, 'a', files({ '.nvmrc': '18' }), { node: 'ferry/node:20' }).image).toBe('ferry/node:20');
  });

  it("rewrites GitHub's contexts to Ferry's in run, env, if and outputs", () => {
    const job = jobOf(
      `on: push
jobs:
  b:
    runs-on: ubuntu-latest
    needs: a
    if: github.ref == 'refs/heads/main' && needs.a.result == 'success'
    outputs:
      v: \${{ steps.x.outputs.v }}
    env:
      WHERE: \${{ github.workspace }}/\${{ runner.os }}
    steps:
      - id: x
        run: echo "v=\${{ needs.a.outputs.version }}-\${{ github.sha }}" >> $GITHUB_OUTPUT
        env: { TOKEN: '\${{ secrets.NPM_TOKEN }}' }
  a:
    runs-on: ubuntu-latest
    steps: [{ run: echo }]
`,
      'b',
    );
    expect(job.if).toBe("git.ref == 'refs/heads/main' && jobs.a.status == 'success'");
    expect(job.outputs).toEqual({ v: '${{ steps.x.outputs.v }}' });
    expect(job.env).toEqual({ WHERE: "${{ '/workspace' }}/${{ 'Linux' }}" });
    expect(job.secrets).toEqual(['NPM_TOKEN']);
    expect(job.steps).toEqual([
      {
        id: 'x',
        run: 'echo "v=${{ jobs.a.outputs.version }}-${{ git.sha }}" >> $GITHUB_OUTPUT',
        env: { TOKEN: '${{ secrets.NPM_TOKEN }}' },
      },
    ]);
  });

  it('drops non-Linux matrix cells and jobs, marking them so they do not count as gaps', () => {
    const outcome = imported(`on: push
jobs:
  test:
    runs-on: \${{ matrix.os }}
    strategy:
      fail-fast: false
      max-parallel: 2
      matrix:
        os: [ubuntu-latest, windows-latest, macos-latest]
        node: [18, 20]
        include: [{ os: windows-latest, node: 22 }]
    steps: [{ run: npm test }]
  mac:
    runs-on: macos-14
    steps: [{ run: xcodebuild }]
`);
    const jobs = outcome.pipeline.jobs as Record<string, Record<string, unknown>>;
    expect(jobs.test?.matrix).toEqual({ os: ['ubuntu-latest'], node: [18, 20], failFast: false, maxParallel: 2 });
    expect(jobs.mac).toBeUndefined();
    const dropped = outcome.entries.filter((entry) => entry.kind === 'dropped');
    expect(dropped.map((entry) => [entry.line, entry.nonLinux])).toEqual([
      [8, true],
      [14, true],
    ]);
  });

  it('expands a matrix with mapping values into include cells and rewrites matrix.a.b', () => {
    const job = jobOf(
      `on: push
jobs:
  t:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        cfg: [{ name: a, flags: -x }, { name: b, flags: -y }]
        exclude: [{ cfg: { name: b, flags: -y } }]
    steps: [{ run: 'make \${{ matrix.cfg.flags }}' }]
`,
      't',
    );
    expect(job.matrix).toEqual({ include: [{ cfg_name: 'a', cfg_flags: '-x' }] });
    expect((job.steps as { run: string }[])[0]?.run).toBe('make ${{ matrix.cfg_flags }}');
  });

  it('turns service --health-* options into a health check and localhost:<port> into the service name', () => {
    const job = jobOf(
      `on: push
jobs:
  t:
    runs-on: ubuntu-latest
    services:
      postgres:
        image: postgres:16
        env: { POSTGRES_PASSWORD: pw }
        ports: ['5432:5432']
        options: --health-cmd "pg_isready -U postgres" --health-interval 10s --health-retries 5
    env:
      DATABASE_URL: postgres://postgres:pw@localhost:5432/db
    steps: [{ run: 'psql -h 127.0.0.1 -p 5432 -c "select 1" || curl localhost:5432' }]
`,
      't',
    );
    expect(job.services).toEqual({
      postgres: {
        image: 'postgres:16',
        env: { POSTGRES_PASSWORD: 'pw' },
        health: { cmd: 'pg_isready -U postgres', interval: '10s', retries: 5 },
      },
    });
    expect(job.env).toEqual({ DATABASE_URL: 'postgres://postgres:pw@postgres:5432/db' });
    expect((job.steps as { run: string }[])[0]?.run).toContain('curl postgres:5432');
  });

  it('inlines a local composite action with its inputs, reporting at the action file', () => {
    const reader = files({
      '.github/actions/setup/action.yml': `name: setup
inputs:
  go: { default: '1.22' }
  target: { default: all }
runs:
  using: composite
  steps:
    - uses: actions/setup-go@v5
      with: { go-version: '\${{ inputs.go }}', cache: false }
    - run: make \${{ inputs.target }}
      shell: bash
    - uses: some/unknown@v1
`,
    });
    const outcome = imported(
      `on: push
jobs:
  t:
    runs-on: ubuntu-latest
    strategy: { matrix: { go: ['1.21.x'] } }
    steps:
      - uses: ./.github/actions/setup
        with: { go: '\${{ matrix.go }}' }
`,
      reader,
    );
    const job = (outcome.pipeline.jobs as Record<string, Record<string, unknown>>).t;
    expect(job?.image).toBe('golang:${{ (matrix.go) }}');
    expect(job?.matrix).toEqual({ go: ['1.21'] });
    expect(job?.steps).toEqual([{ run: "make ${{ 'all' }}", shell: 'bash' }]);
    expect(outcome.entries.find((entry) => entry.kind === 'dropped')).toMatchObject({
      file: '.github/actions/setup/action.yml',
      line: 12,
    });
  });

  it('inlines a local reusable workflow as <caller>-<job> with its inputs', () => {
    const reader = files({
      '.github/workflows/reuse.yml': `on:
  workflow_call:
    inputs:
      mode: { type: string, default: fast }
jobs:
  build:
    runs-on: ubuntu-latest
    steps: [{ run: 'make \${{ inputs.mode }}' }]
`,
    });
    const outcome = imported(
      `on: push
jobs:
  lint:
    runs-on: ubuntu-latest
    steps: [{ run: lint }]
  call:
    needs: lint
    uses: ./.github/workflows/reuse.yml
    with: { mode: slow }
  after:
    needs: call
    runs-on: ubuntu-latest
    steps: [{ run: echo }]
`,
      reader,
    );
    const jobs = outcome.pipeline.jobs as Record<string, Record<string, unknown>>;
    expect(Object.keys(jobs)).toEqual(['lint', 'call-build', 'after']);
    expect(jobs['call-build']).toMatchObject({ needs: ['lint'], steps: [{ run: "make ${{ 'slow' }}" }] });
    expect(jobs.after?.needs).toEqual(['call-build']);
  });

  it('makes a docker/build-push-action job a build: job', () => {
    const job = jobOf(
      `on: push
jobs:
  image:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: docker/setup-buildx-action@v3
      - uses: docker/build-push-action@v6
        with: { context: ., file: Dockerfile, push: true, tags: 'ghcr.io/o/app:latest' }
`,
      'image',
    );
    expect(job).toEqual({
      build: { context: '.', dockerfile: 'Dockerfile', tags: ['ghcr.io/o/app:latest'], push: true },
    });
  });

  it('reports an unknown action as dropped at its line, and the result still parses', () => {
    const outcome = imported(`on: push
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - run: echo one
      - uses: someone/thing@v1
`);
    expect(kinds(outcome.entries)).toContain(
      'dropped 7: someone/thing has no Ferry recipe and its code is not vendored in .github/vendor-actions/someone/thing[@v1]; it is dropped (vendor it there, or run what it does in a run: step)',
    );
    expect(parsePipeline(outcome.text, 'x.yml').issues.filter((issue) => issue.message.includes('YAML'))).toEqual([]);
  });
});
