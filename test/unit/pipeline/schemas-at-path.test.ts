import { describe, expect, it } from 'vitest';
import { Duration, PipelineSchema } from '../../../packages/engine/src/pipeline/pipeline-schema.js';
import { allowedKeysAt, schemasAtPath } from '../../../packages/engine/src/pipeline/schemas-at-path.js';

describe('allowedKeysAt', () => {
  it('walks objects, records and arrays of the schema', () => {
    expect(allowedKeysAt(PipelineSchema, [])).toEqual([
      'include',
      'name',
      'on',
      'env',
      'secrets',
      'checkout',
      'stages',
      'jobs',
      'services',
      'defaults',
    ]);
    expect(allowedKeysAt(PipelineSchema, ['jobs', 'any'])).toContain('image');
    expect(allowedKeysAt(PipelineSchema, ['jobs', 'any', 'steps', 3])).toEqual([
      'name',
      'run',
      'env',
      'timeout',
      'if',
      'allowFailure',
      'id',
      'shell',
      'workdir',
      'workflowCommands',
    ]);
  });

  it('collects the keys of every object option of a union', () => {
    expect(allowedKeysAt(PipelineSchema, ['services', 'api', 'strategy', 'canary', 'steps', 0])).toEqual([
      'weight',
      'pause',
    ]);
    expect(allowedKeysAt(PipelineSchema, ['jobs', 'a', 'artifacts'])).toEqual(['paths', 'when', 'expireIn']);
  });

  it('finds nothing past a leaf', () => {
    expect(allowedKeysAt(PipelineSchema, ['name', 'x'])).toEqual([]);
    expect(schemasAtPath(PipelineSchema, ['jobs', 'a', 'timeout'])).toContain(Duration);
  });
});
