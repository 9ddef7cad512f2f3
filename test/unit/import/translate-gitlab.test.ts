import { describe, expect, it } from 'vitest';
import { importPipeline } from '../../../packages/engine/src/import/import-pipeline.js';
import type { SourceReader } from '../../../packages/engine/src/import/import-types.js';
import { translateGitlabCondition } from '../../../packages/engine/src/import/gitlab-variables.js';
import { durationOf } from '../../../packages/engine/src/import/translate-gitlab-job.js';

const files = (map: Record<string, string>): SourceReader => ({ read: (path) => map[path] });

function imported(text: string, reader: SourceReader = files({})) {
  const outcome = importPipeline(text, '.gitlab-ci.yml', reader);
  if (!outcome.ok) throw new Error(outcome.problem);
  return { ...outcome, jobs: outcome.pipeline.jobs as Record<string, Record<string, unknown>> };
}

describe('importPipeline (GitLab CI)', () => {
  it('runs before_script and script in one shell and after_script after it, always', () => {
    const { jobs, pipeline } = imported(`stages: [build, test]
default:
  image: node:20
  before_script: [npm ci]
test:unit:
  stage: test
  script:
    - npm test
    - |
      echo done
  after_script: [rm -rf tmp]
`);
    expect(pipeline.stages).toEqual(['build', 'test']);
    expect(jobs['test-unit']).toEqual({
      name: 'test:unit',
      stage: 'test',
      image: 'node:20',
      steps: [
        { name: 'script', run: 'npm ci\nnpm test\necho done\n' },
        { name: 'after_script', run: 'rm -rf tmp', if: 'always()', allowFailure: true },
      ],
    });
  });

  it('resolves extends (deep merge, lists replaced), hidden jobs and !reference', () => {
    const { jobs } = imported(`.base:
  image: alpine:3
  variables: { A: '1', B: '2' }
  script: [echo base]
.setup:
  before_script: [echo setup]
job:
  extends: .base
  variables: { B: '3' }
  script:
    - !reference [.setup, before_script]
    - echo job
`);
    expect(Object.keys(jobs)).toEqual(['job']);
    expect(jobs.job).toMatchObject({
      image: 'alpine:3',
      env: { A: '1', B: '3' },
      steps: [{ run: 'echo setup\necho job' }],
    });
  });

  it('reads include: local files under the including file, and reports remote ones as dropped', () => {
    const { jobs, entries } = imported(
      `include:
  - local: /ci/build.yml
  - project: group/templates
    file: t.yml
build:
  variables: { MODE: release }
`,
      files({ 'ci/build.yml': 'build:\n  image: gcc:13\n  script: [make $MODE]\n  variables: { MODE: debug }\n' }),
    );
    expect(jobs.build).toMatchObject({ image: 'gcc:13', env: { MODE: 'release' }, steps: [{ run: 'make $MODE' }] });
    expect(entries.filter((entry) => entry.kind === 'dropped').map((entry) => entry.line)).toEqual([3]);
  });

  it('turns rules into if: and changes:, when: manual into a manual-trigger gate, and never-jobs are left out', () => {
    const { jobs } = imported(`deploy:
  script: [./deploy]
  rules:
    - if: $CI_COMMIT_BRANCH == "main"
      when: manual
    - when: never
docs:
  script: [make docs]
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
      changes: [docs/**/*]
off:
  script: [x]
  when: never
`);
    expect(jobs.deploy).toMatchObject({
      if: "((git.tag == '' && run.trigger != 'pull_request' && git.branch || null) == 'main') && run.trigger == 'manual'",
      allowFailure: true,
    });
    expect(jobs.docs).toMatchObject({ if: "run.trigger == 'pull_request'", changes: ['docs/**/*'] });
    expect(jobs.off).toBeUndefined();
  });

  it('maps services (with the job variables), cache files keys, artifacts and retry', () => {
    const { jobs } = imported(`variables:
  POSTGRES_PASSWORD: pw
test:
  image: python:3.12
  services:
    - name: postgres:16
      alias: db
  cache:
    key: { files: [poetry.lock], prefix: py }
    paths: [.venv/]
    fallback_keys: [py-main]
  artifacts:
    paths: [report.xml]
    when: always
    expire_in: 1 week
  retry: { max: 2, when: [runner_system_failure, script_failure] }
  timeout: 1h 30m
  parallel: 3
  script: [pytest]
`);
    expect(jobs.test).toMatchObject({
      services: { db: { image: 'postgres:16', env: { POSTGRES_PASSWORD: 'pw' } } },
      cache: { key: "py-${{ hashFiles('poetry.lock') }}", paths: ['.venv/'], restoreKeys: ['py-main'] },
      artifacts: { paths: ['report.xml'], when: 'always', expireIn: '168h' },
      retry: { max: 2, when: ['failure', 'infra'] },
      timeout: '1h30m',
      matrix: { CI_NODE_INDEX: [1, 2, 3] },
      env: { CI_NODE_INDEX: '${{ matrix.CI_NODE_INDEX }}', CI_NODE_TOTAL: 3 },
    });
  });

  it('expands $VAR in variables and image, and sets the predefined variables a file reads', () => {
    const { jobs, pipeline } = imported(`variables:
  TAG: v1
  IMAGE: registry.example/app:$TAG
build:
  image: $IMAGE
  script: [echo $CI_COMMIT_SHORT_SHA]
`);
    expect(jobs.build?.image).toBe('registry.example/app:v1');
    expect(pipeline.env).toMatchObject({
      IMAGE: 'registry.example/app:v1',
      CI_COMMIT_SHORT_SHA: '${{ git.shortSha }}',
    });
  });

  it('drops jobs on Windows or macOS runners, marked as such', () => {
    const { jobs, entries } = imported('win:\n  tags: [windows]\n  script: [dir]\nlin:\n  script: [ls]\n');
    expect(Object.keys(jobs)).toEqual(['lin']);
    expect(entries.find((entry) => entry.kind === 'dropped')).toMatchObject({ line: 2, nonLinux: true });
  });
});

describe('translateGitlabCondition', () => {
  const scope = (notes: string[] = []) => ({
    variables: { DEPLOY: 'yes' },
    note: (message: string) => notes.push(message),
  });
  it.each([
    ['$CI_COMMIT_TAG', '(git.tag || null)'],
    ['$CI_COMMIT_REF_NAME =~ /^release\\/.*$/', "startsWith((git.tag || git.branch), 'release/')"],
    ['$CI_COMMIT_TAG =~ /^v\\d+/', "startsWith((git.tag || null), 'v')"],
    [
      '$CI_COMMIT_REF_NAME =~ /^(main|master)$/',
      "((git.tag || git.branch) == 'main' || (git.tag || git.branch) == 'master')",
    ],
    [
      '$DEPLOY == "yes" && ($CI_PIPELINE_SOURCE == "web" || $CI_PIPELINE_SOURCE != "schedule")',
      "'yes' == 'yes' && (run.trigger == 'manual' || run.trigger != 'schedule')",
    ],
    ['$CI_MERGE_REQUEST_IID', "(run.trigger == 'pull_request' && '1' || null)"],
  ])('%s → %s', (text, expected) => {
    expect(translateGitlabCondition(text, scope())).toBe(expected);
  });

  it('reports variables the file does not define', () => {
    const notes: string[] = [];
    expect(translateGitlabCondition('$PROJECT_TOKEN != null', scope(notes))).toBe('null != null');
    expect(notes[0]).toContain('$PROJECT_TOKEN is not defined');
  });
});

describe('durationOf', () => {
  it.each([
    ['1h 30m', '1h30m'],
    ['3 hours', '3h'],
    ['10 minutes', '10m'],
    ['1 week', '168h'],
    ['2 days 4 hrs', '52h'],
    ['45', '45s'],
  ])('%s → %s', (text, expected) => expect(durationOf(text)).toBe(expected));
  it('gives undefined for what it cannot read', () => expect(durationOf('soon')).toBeUndefined());
});
