import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findPipelineFile } from '../../../packages/engine/src/load/find-pipeline-file.js';
import { loadPipeline } from '../../../packages/engine/src/load/load-pipeline.js';
import { GitPipelineSource } from '../../../packages/runner/src/webhook/git-pipeline-source.js';
import { createTempGitRepo } from '../../helpers/temp-git-repo.js';

const workflow = `name: CI
on:
  push: { branches: [main] }
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: ./.github/actions/setup
      - run: npm test
`;
const action = `runs:
  using: composite
  steps:
    - uses: actions/setup-node@v4
      with: { node-version-file: .nvmrc }
    - run: npm ci
      shell: bash
`;

function repoWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-import-'));
  mkdirSync(join(dir, '.git'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

describe('loading a GitHub workflow or a GitLab file as a pipeline', () => {
  it('translates the workflow with the repository files it uses, its report as IMPORT_* warnings', () => {
    const dir = repoWith({
      '.github/workflows/ci.yml': workflow,
      '.github/actions/setup/action.yml': action,
      '.nvmrc': '20\n',
    });
    expect(findPipelineFile(dir)).toBe(join(dir, '.github/workflows/ci.yml'));
    const loaded = loadPipeline(join(dir, '.github/workflows/ci.yml'), '.github/workflows/ci.yml', {
      images: { node: 'ferry/node:20' },
    });
    expect(loaded.issues).toEqual([]);
    expect(loaded.spec?.jobs.test).toMatchObject({
      image: 'ferry/node:20',
      steps: [{ run: 'npm ci', shell: 'bash' }, { run: 'npm test' }],
    });
    expect(loaded.warnings.map((warning) => `${warning.file}:${warning.line} ${warning.code}`)).toEqual([
      '.github/workflows/ci.yml:9 IMPORT_CHANGED',
      '.github/actions/setup/action.yml:4 IMPORT_CHANGED',
    ]);
    rmSync(dir, { recursive: true });
  });

  it('prefers ferry.yml, then .gitlab-ci.yml, over a workflow', () => {
    const dir = repoWith({
      '.github/workflows/ci.yml': workflow,
      '.gitlab-ci.yml': 'test:\n  image: alpine:3\n  script: [make]\n',
    });
    expect(findPipelineFile(dir)).toBe(join(dir, '.gitlab-ci.yml'));
    expect(loadPipeline(join(dir, '.gitlab-ci.yml'), '.gitlab-ci.yml').spec?.jobs.test).toMatchObject({
      image: 'alpine:3',
      stage: 'test',
    });
    writeFileSync(join(dir, 'ferry.yml'), 'jobs:\n  a: { image: ferry/busybox:1, steps: [{ run: "true" }] }\n');
    expect(findPipelineFile(dir)).toBe(join(dir, 'ferry.yml'));
    rmSync(dir, { recursive: true });
  });
});

describe('the webhook server and a repository with only a GitHub workflow', () => {
  const root = mkdtempSync(join(tmpdir(), 'ferry-mirrors-'));
  const source = new GitPipelineSource(join(root, 'mirrors'));
  afterAll(() => {
    source.close();
    rmSync(root, { recursive: true, force: true });
  });

  it("reads the workflow's triggers at the pushed commit", async () => {
    const repo = await createTempGitRepo({
      '.github/workflows/ci.yml': workflow,
      '.github/actions/setup/action.yml': action,
    });
    const pipeline = await source.read(`file://${repo.dir}`, await repo.git('rev-parse', 'HEAD'));
    expect(pipeline).toMatchObject({
      path: '.github/workflows/ci.yml',
      issues: [],
      spec: { on: { push: { branches: ['main'] } } },
    });
    await repo.cleanup();
  });
});

describe('a Ferry pipeline that only looks like a foreign one', () => {
  it('keeps its includes (a script: line inside a run block does not make it GitLab)', () => {
    const dir = repoWith({
      'ferry.yml':
        'include: ci/jobs.yml\njobs:\n  t:\n    extends: .tmpl\n    steps:\n      - run: |\n          cat <<EOF\n            script: not a key\n          EOF\n',
      'ci/jobs.yml': 'jobs:\n  .tmpl: { image: ferry/busybox:1 }\n',
    });
    const loaded = loadPipeline(join(dir, 'ferry.yml'), 'ferry.yml');
    expect(loaded.issues).toEqual([]);
    expect(loaded.spec?.jobs.t).toMatchObject({ image: 'ferry/busybox:1' });
    expect(loaded.warnings).toEqual([]);
    rmSync(dir, { recursive: true });
  });
});
