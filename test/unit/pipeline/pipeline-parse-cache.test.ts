import { describe, expect, it } from 'vitest';
import type { IncludedFile } from '../../../packages/engine/src/pipeline/compose-pipeline.js';
import { PipelineParseCache } from '../../../packages/engine/src/load/pipeline-parse-cache.js';
import { planPipeline } from '../../../packages/engine/src/plan/plan-pipeline.js';

const text = 'jobs:\n  a:\n    image: ferry/busybox:1\n    steps: [{ run: make }]\n';
const includes = (more: string) => ({
  path: 'ferry.yml',
  files: new Map<string, IncludedFile>([['ci/more.yml', { file: 'ci/more.yml', text: more }]]),
});

describe('PipelineParseCache', () => {
  it('returns the same parse for the same text and name, a new one when either differs', () => {
    const cache = new PipelineParseCache();
    const first = cache.parse(text, 'ferry.yml');
    expect(first.spec?.jobs.a?.image).toBe('ferry/busybox:1');
    expect(cache.parse(`${text}`, 'ferry.yml')).toBe(first);
    expect(cache.parse(text.replace('make', 'test'), 'ferry.yml')).not.toBe(first);
    const renamed = cache.parse('jobs:\n  a: { steps: [] }\n', 'other.yml');
    expect(renamed.issues[0]?.file).toBe('other.yml');
    expect(cache.parse('jobs:\n  a: { steps: [] }\n', 'ci.yml').issues[0]?.file).toBe('ci.yml');
  });

  it('parses again when an included file reads differently', () => {
    const cache = new PipelineParseCache();
    const main = 'include: ci/more.yml\njobs:\n  a: { image: ferry/busybox:1, steps: [{ run: a }] }\n';
    const more = 'jobs:\n  b: { image: ferry/busybox:1, steps: [{ run: b }] }\n';
    const first = cache.parse(main, 'ferry.yml', includes(more));
    expect(Object.keys(first.spec?.jobs ?? {}).sort()).toEqual(['a', 'b']);
    expect(cache.parse(main, 'ferry.yml', includes(more))).toBe(first);
    const changed = cache.parse(main, 'ferry.yml', includes(more.replace('b:', 'c:')));
    expect(Object.keys(changed.spec?.jobs ?? {}).sort()).toEqual(['a', 'c']);
    const missing = cache.parse(main, 'ferry.yml', { path: 'ferry.yml', files: new Map() });
    expect(missing.spec).toBeUndefined();
  });

  it('freezes what it shares, which planning only reads', () => {
    const cache = new PipelineParseCache();
    const spec = cache.parse(
      'jobs:\n  a:\n    image: ferry/busybox:1\n    matrix: { n: [1, 2] }\n    steps: [{ run: "echo ${{ matrix.n }}" }]\n',
      'ferry.yml',
    ).spec;
    if (!spec) throw new Error('no spec');
    expect(Object.isFrozen(spec.jobs.a?.steps)).toBe(true);
    expect(() => (spec.jobs.a as { image: string }).image.concat('x')).not.toThrow();
    expect(() => Object.assign(spec.jobs.a as object, { image: 'x' })).toThrow(TypeError);
    const git = {
      sha: 'abcdef1234567',
      shortSha: 'abcdef1',
      branch: 'main',
      ref: 'refs/heads/main',
      tag: '',
      repo: 'r',
    };
    const planned = planPipeline(spec, 'ferry.yml', { git });
    expect(planned.plan?.jobs.map((job) => job.id)).toHaveLength(2);
    expect(planPipeline(spec, 'ferry.yml', { git }).plan?.hash).toBe(planned.plan?.hash);
  });

  it('lists includes from a remembered parse, a fresh array for each caller', () => {
    const cache = new PipelineParseCache();
    const first = cache.listIncludes('include: [a.yml, b.yml]\njobs: {}\n', 'ferry.yml');
    expect(first).toEqual(['a.yml', 'b.yml']);
    first.shift();
    expect(cache.listIncludes('include: [a.yml, b.yml]\njobs: {}\n', 'other.yml')).toEqual(['a.yml', 'b.yml']);
  });

  it('keeps only the most recent parses', () => {
    const cache = new PipelineParseCache(2);
    const first = cache.parse(text, 'a.yml');
    cache.parse(text, 'b.yml');
    expect(cache.parse(text, 'a.yml')).toBe(first);
    cache.parse(text, 'c.yml');
    cache.parse(text, 'd.yml');
    expect(cache.parse(text, 'a.yml')).not.toBe(first);
  });
});
