import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
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
