import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatIssues } from '../../../packages/engine/src/pipeline/index.js';
import { findPipelineFile } from '../../../packages/engine/src/load/find-pipeline-file.js';
import { loadPipeline } from '../../../packages/engine/src/load/load-pipeline.js';

const tempDir = () => mkdtempSync(join(tmpdir(), 'ferry-spec-'));

describe('loadPipeline', () => {
  it('reads and parses the file, naming it as shown', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'ferry.yml'), 'jobs:\n  a:\n    steps: [{ run: make }]\n');
    expect(formatIssues(loadPipeline(join(dir, 'ferry.yml'), 'ferry.yml').issues)).toBe(
      'ferry.yml:2:3 SPEC_INVALID jobs.a: a job with steps needs an image to run them in (add image: …)',
    );
  });

  it('reports a missing file as SPEC_NOT_FOUND instead of throwing', () => {
    const result = loadPipeline(join(tempDir(), 'nope.yml'), 'nope.yml');
    expect(result.spec).toBeUndefined();
    expect(formatIssues(result.issues)).toBe('nope.yml: SPEC_NOT_FOUND pipeline file not found');
  });

  it('reports a directory as unreadable', () => {
    expect(loadPipeline(tempDir(), 'dir').issues[0]).toMatchObject({
      code: 'SPEC_NOT_FOUND',
      message: expect.stringContaining('EISDIR'),
    });
  });
});

describe('loadPipeline includes', () => {
  const image = 'image: ferry/busybox:1';
  /** A repository (a directory with .git) holding `files`. */
  const repoWith = (files: Record<string, string>) => {
    const dir = tempDir();
    mkdirSync(join(dir, '.git'));
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(join(dir, name, '..'), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    return dir;
  };

  it('reads included files from the repository root, nested ones too, naming them as the main file is named', () => {
    const dir = repoWith({
      'pipelines/ferry.yml': `include: ci/jobs.yml\njobs:\n  t: { extends: .tmpl, steps: [{ run: t }] }\n`,
      'ci/jobs.yml': `include: /ci/more.yml\njobs:\n  .tmpl: { ${image} }\n`,
      'ci/more.yml': `jobs:\n  lint: { ${image}, steps: [{ run: lint }], timeout: soon }\n`,
    });
    const result = loadPipeline(join(dir, 'pipelines', 'ferry.yml'), 'pipelines/ferry.yml');
    expect(formatIssues(result.issues)).toBe(
      'ci/more.yml:2:68 SPEC_INVALID jobs.lint.timeout: expected a duration like 30s, 10m or 1h30m',
    );
    writeFileSync(join(dir, 'ci/more.yml'), `jobs:\n  lint: { ${image}, steps: [{ run: lint }] }\n`);
    expect(
      Object.keys(loadPipeline(join(dir, 'pipelines', 'ferry.yml'), 'pipelines/ferry.yml').spec?.jobs ?? {}),
    ).toEqual(['lint', 't']);
  });

  it('reports a missing file and refuses a link that leaves the repository', () => {
    const outside = tempDir();
    writeFileSync(join(outside, 'secret.yml'), 'env: { A: b }\n');
    const dir = repoWith({
      'ferry.yml': `include: [gone.yml, link.yml]\njobs:\n  t: { ${image}, steps: [{ run: t }] }\n`,
    });
    symlinkSync(join(outside, 'secret.yml'), join(dir, 'link.yml'));
    expect(formatIssues(loadPipeline(join(dir, 'ferry.yml'), 'ferry.yml').issues).split('\n')).toEqual([
      'ferry.yml:1:11 SPEC_INCLUDE include[0]: included file "gone.yml" does not exist in the repository',
      'ferry.yml:1:21 SPEC_INCLUDE include[1]: included file "link.yml": is a link to a file outside the repository',
    ]);
  });

  it('refuses an included file over the size limit before reading it', () => {
    const dir = repoWith({
      'ferry.yml': `include: big.yml\njobs:\n  t: { ${image}, steps: [{ run: t }] }\n`,
      'big.yml': `# ${'x'.repeat(3 * 1024 * 1024)}\n`,
    });
    expect(loadPipeline(join(dir, 'ferry.yml'), 'ferry.yml').issues[0]).toMatchObject({
      code: 'SPEC_LIMIT',
      file: 'ferry.yml',
      message: 'included file "big.yml": the file is 3.0 MB, more than the limit of 2 MB',
    });
  });
});

describe('findPipelineFile', () => {
  it('takes ferry.yml, then .ferry.yml, then pipelines/ferry.yml', () => {
    const dir = tempDir();
    expect(findPipelineFile(dir)).toBeUndefined();
    mkdirSync(join(dir, 'pipelines'));
    writeFileSync(join(dir, 'pipelines', 'ferry.yml'), '');
    expect(findPipelineFile(dir)).toBe(join(dir, 'pipelines', 'ferry.yml'));
    writeFileSync(join(dir, '.ferry.yml'), '');
    expect(findPipelineFile(dir)).toBe(join(dir, '.ferry.yml'));
    writeFileSync(join(dir, 'ferry.yml'), '');
    expect(findPipelineFile(dir)).toBe(join(dir, 'ferry.yml'));
  });

  it('ignores a directory of that name', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'ferry.yml'));
    expect(findPipelineFile(dir)).toBeUndefined();
  });
});
