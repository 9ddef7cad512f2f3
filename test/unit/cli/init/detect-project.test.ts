import { describe, expect, it } from 'vitest';
import { parsePipeline, planPipeline } from '../../../../packages/engine/src/index.js';
import { detectProject, serviceName } from '../../../../packages/cli/src/init/detect-project.js';
import { renderStarterPipeline } from '../../../../packages/cli/src/init/render-starter-pipeline.js';

const pkg = (scripts: Record<string, string>, name = 'shop') => JSON.stringify({ name, scripts });
const git = { sha: 'a'.repeat(40), shortSha: 'aaaaaaa', branch: 'main', ref: 'refs/heads/main', tag: '', repo: '' };

/** The starter for these files, parsed and planned as `ferry run` would; fails the test on any issue. */
function starter(files: Record<string, string>, dir = 'repo') {
  const text = renderStarterPipeline(detectProject(files, dir));
  const parsed = parsePipeline(text, 'ferry.yml');
  expect(parsed.issues, text).toEqual([]);
  const planned = planPipeline(parsed.spec!, 'ferry.yml', { git });
  expect(planned.issues, text).toEqual([]);
  return { text, spec: parsed.spec!, plan: planned.plan! };
}

describe('detectProject', () => {
  it('finds npm with its lock file and the scripts worth a job, skipping npm init placeholder tests', () => {
    expect(
      detectProject(
        {
          'package.json': pkg({ build: 'tsc', test: 'echo "Error: no test specified" && exit 1', lint: 'eslint .' }),
          'package-lock.json': '{}',
          src: '',
        },
        'x',
      ),
    ).toEqual({ name: 'shop', node: { manager: 'npm', lockFile: 'package-lock.json', scripts: ['lint', 'build'] } });
  });

  it('tells yarn and pnpm by their lock files, and reads Go, Python and Dockerfile facts', () => {
    expect(detectProject({ 'package.json': pkg({}), 'yarn.lock': '' }, 'x').node?.manager).toBe('yarn');
    expect(detectProject({ 'package.json': pkg({}), 'pnpm-lock.yaml': '' }, 'x').node?.manager).toBe('pnpm');
    expect(detectProject({ 'go.mod': 'module example.com/api\n\ngo 1.23.1\n' }, 'api')).toEqual({
      name: 'api',
      go: { version: '1.23', hasSum: false },
    });
    expect(detectProject({ 'requirements.txt': 'flask\npytest==8\n' }, 'web').python).toEqual({
      requirements: 'requirements.txt',
      pyproject: false,
      pytest: true,
    });
    expect(detectProject({ 'pyproject.toml': '[project]\nname="x"\n' }, 'w').python?.pytest).toBe(false);
    expect(
      detectProject(
        {
          Dockerfile:
            'FROM node:20\nEXPOSE 3000/tcp\nHEALTHCHECK CMD curl -fs http://localhost:3000/health/live || exit 1\n',
        },
        'w',
      ).container,
    ).toEqual({ dockerfile: 'Dockerfile', port: 3000, healthPath: '/health/live' });
  });

  it('survives a broken package.json and names the project after its directory', () => {
    expect(detectProject({ 'package.json': '{ not json' }, 'My Repo')).toEqual({
      name: 'my-repo',
      node: { manager: 'npm', scripts: [] },
    });
  });

  it('makes service names from package names', () => {
    expect(serviceName('@acme/Web_App')).toBe('web-app');
    expect(serviceName('42')).toBe('app-42');
    expect(serviceName('---')).toBe('app');
  });
});

describe('renderStarterPipeline', () => {
  it('writes one cached npm job per script, in stage order, on the local Node image', () => {
    const { spec, plan, text } = starter({
      'package.json': pkg({ test: 'node --test', build: 'node build.js', lint: 'eslint .' }),
      'package-lock.json': '{}',
    });
    expect(spec.stages).toEqual(['check', 'build', 'test']);
    expect(Object.keys(spec.jobs)).toEqual(['lint', 'build', 'test']);
    expect(spec.jobs.test).toMatchObject({
      image: 'ferry/node:20',
      cache: { paths: ['.npm'], restoreKeys: ['npm-'] },
      steps: [{ run: 'npm ci --cache .npm --prefer-offline --no-audit --no-fund' }, { run: 'npm run test' }],
    });
    expect(text).toContain("key: npm-${{ hashFiles('package-lock.json') }}");
    expect(plan.jobs.map((job) => job.id)).toEqual(['lint', 'build', 'test']);
  });

  it('gives a Dockerfile a build job, a health-checked service with a rolling strategy, and a deploy job', () => {
    const { spec, plan } = starter({
      'package.json': pkg({ test: 'vitest' }, 'api'),
      Dockerfile: 'FROM x\nEXPOSE 9000\n',
    });
    expect(spec.jobs.image).toMatchObject({ build: { context: '.', tags: ['api:${{ git.shortSha }}'] } });
    expect(spec.jobs.release).toMatchObject({ needs: ['image'], deploy: { services: ['api'] } });
    expect(spec.services?.api).toMatchObject({
      image: '${{ jobs.image.outputs.image }}',
      port: 9000,
      health: { tcp: true },
      strategy: { rolling: { maxSurge: 1, maxUnavailable: 0 } },
    });
    expect(plan.jobs.map((job) => job.id)).toEqual(['test', 'image', 'release']);
  });

  it('writes valid pipelines for Go, Python, yarn, a bare package.json and an empty repository', () => {
    expect(Object.keys(starter({ 'go.mod': 'module m\ngo 1.22\n', 'go.sum': '' }).spec.jobs)).toEqual(['go']);
    expect(starter({ 'pyproject.toml': '', 'requirements.txt': 'pytest' }).spec.jobs.python?.steps).toEqual([
      { run: 'pip install -r requirements.txt && pip install .' },
      { run: 'python -m pytest' },
    ]);
    expect(starter({ 'package.json': pkg({ build: 'x' }), 'yarn.lock': '' }).spec.jobs.build?.image).toBe('node:20');
    expect(Object.keys(starter({ 'package.json': '{}' }).spec.jobs)).toEqual(['install']);
    expect(Object.keys(starter({}).spec.jobs)).toEqual(['hello']);
  });
});
