import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { pipelineJsonSchemaText } from '../../../packages/engine/src/pipeline/pipeline-json-schema.js';

const repo = join(import.meta.dirname, '../../..');
const committed = readFileSync(join(repo, 'docs/ferry.schema.json'), 'utf8');

describe('docs/ferry.schema.json', () => {
  it('is what scripts/write-schema.mjs generates now (run `npm run schema` when this fails)', () => {
    expect(committed).toBe(pipelineJsonSchemaText());
  });

  it('accepts the valid fixtures and rejects unknown keys and wrong types', () => {
    const schema = z.fromJSONSchema(JSON.parse(committed) as Parameters<typeof z.fromJSONSchema>[0]);
    const dir = join(repo, 'test/fixtures/pipelines/valid');
    for (const name of readdirSync(dir)) {
      const result = schema.safeParse(parse(readFileSync(join(dir, name), 'utf8'), { merge: true }));
      expect(result.error?.issues ?? [], name).toEqual([]);
    }
    expect(schema.safeParse({ jobs: { a: { imagee: 'x' } } }).success).toBe(false);
    expect(schema.safeParse({ jobs: { a: { timeout: 'tenminutes' } } }).success).toBe(false);
  });
});
