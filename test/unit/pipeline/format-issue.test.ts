import { describe, expect, it } from 'vitest';
import { formatIssue, formatIssues, formatPath, parsePath } from '../../../packages/engine/src/pipeline/index.js';

describe('formatIssue', () => {
  it('prints like a compiler: file:line:col CODE path: message', () => {
    expect(
      formatIssue({
        code: 'SPEC_INVALID',
        file: 'pipelines/web.yml',
        line: 7,
        col: 12,
        path: 'jobs.build.steps[1].run',
        message: 'expected string, got number',
      }),
    ).toBe('pipelines/web.yml:7:12 SPEC_INVALID jobs.build.steps[1].run: expected string, got number');
  });

  it('leaves out an empty path, and the position of an issue about the whole file', () => {
    expect(formatIssue({ code: 'SPEC_YAML', file: 'f.yml', line: 3, col: 1, path: '', message: 'bad' })).toBe(
      'f.yml:3:1 SPEC_YAML bad',
    );
    expect(
      formatIssue({
        code: 'SPEC_NOT_FOUND',
        file: 'f.yml',
        line: 0,
        col: 0,
        path: '',
        message: 'pipeline file not found',
      }),
    ).toBe('f.yml: SPEC_NOT_FOUND pipeline file not found');
  });

  it('prints one issue per line', () => {
    const issue = { code: 'SPEC_INVALID' as const, file: 'f.yml', line: 1, col: 2, path: 'a', message: 'm' };
    expect(formatIssues([issue, { ...issue, line: 2 }])).toBe(
      'f.yml:1:2 SPEC_INVALID a: m\nf.yml:2:2 SPEC_INVALID a: m',
    );
    expect(formatIssues([])).toBe('');
  });
});

describe('formatPath and parsePath', () => {
  it('write names with dots, indexes in brackets and odd keys quoted', () => {
    expect(formatPath(['jobs', 'build-image', 'steps', 2, 'run'])).toBe('jobs.build-image.steps[2].run');
    expect(formatPath(['env', 'A.B'])).toBe('env["A.B"]');
    expect(formatPath([])).toBe('');
  });

  it('read back what they write', () => {
    for (const path of [
      ['jobs', 'test', 'steps', 2, 'run'],
      ['env', 'A.B'],
      ['on', 'push', 'branches', 0],
      ['services', 'api', 'env', 'x"y'],
    ]) {
      expect(parsePath(formatPath(path))).toEqual(path);
    }
  });
});
