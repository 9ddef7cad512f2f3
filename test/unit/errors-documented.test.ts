import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

describe('error codes', () => {
  it('documents every EngineErrorCode in docs/errors.md', () => {
    const source = readFileSync(new URL('../../packages/engine/src/errors.ts', import.meta.url), 'utf8');
    const union = source.slice(
      source.indexOf('export type EngineErrorCode'),
      source.indexOf(';', source.indexOf('export type EngineErrorCode')),
    );
    const codes = [...union.matchAll(/'([A-Z_]+)'/g)].map((m) => m[1]);
    expect(codes.length).toBeGreaterThan(10);
    const docs = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    expect(codes.filter((code) => !docs.includes(`\`${code}\``))).toEqual([]);
  });
});
