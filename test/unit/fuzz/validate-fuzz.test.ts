import { readdirSync, readFileSync } from 'node:fs';
import { ferryErrorCodes, isFerryError, parsePipeline } from '@ferry/engine';
import { planPipeline } from '../../../packages/engine/src/plan/plan-pipeline.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

// parsePipeline and the planner over mutated real pipelines (the fixtures and the demo's): whatever the bytes, a
// result with positioned issues, never an exception. The CLI's `ferry validate` on such files is in
// test/e2e/hostile-pipelines.test.ts; this is the many-samples, in-process half.

const git = { sha: 'abcdef1234567', shortSha: 'abcdef1', branch: 'main', ref: 'refs/heads/main', tag: '', repo: 'r' };

const sources = [
  ...readdirSync(new URL('../../fixtures/pipelines/valid/', import.meta.url)).map((name) =>
    readFileSync(new URL(`../../fixtures/pipelines/valid/${name}`, import.meta.url), 'utf8'),
  ),
  readFileSync(new URL('../../../pipelines/demo.yml', import.meta.url), 'utf8'),
  readFileSync(new URL('../../../pipelines/demo-deploy.yml', import.meta.url), 'utf8'),
];

/** What YAML and expressions are made of, so that mutations reach the parsers' corners, not just their front door. */
const yamlBits = fc.constantFrom(
  ':',
  ': ',
  '- ',
  '\n',
  '\n  ',
  '  ',
  '{',
  '}',
  '[',
  ']',
  ',',
  '|',
  '>-',
  '&a ',
  '*a',
  '<<: *a',
  '!!str ',
  '"',
  "'",
  '#',
  '---\n',
  '${{ ',
  ' }}',
  'needs: [',
  'matrix:',
  'stage: ',
  '&&',
  '||',
  '!',
  '(',
  ')',
  'format(',
  'fromJSON(',
  'secrets.',
  'git.branch',
  '\t',
  '\u0000',
  '\uFEFF',
  '9999999999',
  '-1',
  '1e309',
);

const mutation = fc.oneof(
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    text: fc.oneof(yamlBits, fc.string({ maxLength: 8 })),
  }),
  fc.record({
    kind: fc.constant('delete' as const),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    length: fc.integer({ min: 1, max: 40 }),
  }),
  fc.record({
    kind: fc.constant('repeat' as const),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    length: fc.integer({ min: 1, max: 60 }),
    times: fc.integer({ min: 2, max: 30 }),
  }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(text: string, mutations: Mutation[]): string {
  let out = text;
  for (const change of mutations) {
    const at = Math.floor(change.at * out.length);
    if (change.kind === 'insert') out = out.slice(0, at) + change.text + out.slice(at);
    else if (change.kind === 'delete') out = out.slice(0, at) + out.slice(at + change.length);
    else out = out.slice(0, at) + out.slice(at, at + change.length).repeat(change.times) + out.slice(at);
  }
  return out;
}

describe('fuzz: validate and plan mutated real pipelines', () => {
  it('always answers with a valid spec or positioned issues of known codes, never an exception', () => {
    const outcomes = { valid: 0, refused: 0 };
    fc.assert(
      fc.property(
        fc.constantFrom(...sources),
        fc.array(mutation, { minLength: 1, maxLength: 6 }),
        (source, changes) => {
          const text = mutate(source, changes);
          const result = parsePipeline(text, 'ferry.yml');
          for (const issue of result.issues) {
            expect(ferryErrorCodes).toContain(issue.code);
            expect(issue.line).toBeGreaterThanOrEqual(1);
            expect(issue.message).not.toMatch(/\n\s+at /);
          }
          outcomes[result.spec ? 'valid' : 'refused'] += 1;
          if (result.spec) {
            try {
              const planned = planPipeline(result.spec, 'ferry.yml', { git, trigger: 'push' });
              for (const issue of planned.issues) expect(ferryErrorCodes).toContain(issue.code);
            } catch (error) {
              // What the planner refuses comes as FerryErrors (a cycle, a bad matrix); anything else is a bug.
              expect(isFerryError(error), String((error as Error).stack)).toBe(true);
            }
          } else {
            expect(result.issues.length).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 1000, seed: 20261206 },
    );
    // Both kinds of outcome were reached: the mutations are neither all harmless nor all fatal.
    expect(outcomes.valid).toBeGreaterThan(50);
    expect(outcomes.refused).toBeGreaterThan(50);
  });
});
