import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

describe('runner error codes', () => {
  it('documents every RunnerErrorCode in docs/runner.md', () => {
    const source = readFileSync(new URL('../../../packages/runner/src/errors.ts', import.meta.url), 'utf8');
    const start = source.indexOf('export type RunnerErrorCode');
    const codes = [...source.slice(start, source.indexOf(';', start)).matchAll(/'([A-Z_]+)'/g)].map(
      (match) => match[1],
    );
    expect(codes.length).toBeGreaterThan(5);
    const docs = readFileSync(new URL('../../../docs/runner.md', import.meta.url), 'utf8');
    expect(codes.filter((code) => !docs.includes(`\`${code}\``))).toEqual([]);
  });
});
