import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ferry } from '../helpers/ferry-cli.js';

// Files an attacker (or a generator gone wrong) can push: each is refused by a documented limit with a positioned
// SPEC_* / PLAN_* / EXPR_* error and exit 2, never an "internal error" with a stack trace. (How fast and how
// small: docs/pipeline.md, Limits; measured outside the test suite, which never asserts on time.)

const dir = mkdtempSync(path.join(tmpdir(), 'ferry-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const step = '    steps:\n      - run: "true"\n';
const job = (id: string, extra = '') => `  ${id}:\n    image: ferry/busybox:1\n${extra}${step}`;

function file(name: string, text: string): string {
  const at = path.join(dir, name);
  writeFileSync(at, text);
  return at;
}

const cases: [string, () => string, RegExp][] = [
  [
    '4,000 jobs in two stages',
    () =>
      'stages: [build, test]\njobs:\n' +
      Array.from({ length: 4000 }, (_, i) => job(`j${i}`, `    stage: ${i < 2000 ? 'build' : 'test'}\n`)).join(''),
    /:2:1 SPEC_LIMIT jobs: 4000 jobs, more than the limit of 1000 per pipeline/,
  ],
  [
    'a reversed needs chain of 6,000 jobs',
    () =>
      'jobs:\n' +
      Array.from({ length: 6000 }, (_, i) => job(`j${i}`, i < 5999 ? `    needs: [j${i + 1}]\n` : '')).join(''),
    /SPEC_LIMIT jobs: 6000 jobs/,
  ],
  [
    'a 2,000-level indented block',
    () =>
      'jobs:\n  a:\n    image: ferry/busybox:1\n    env:\n      X:\n' +
      Array.from({ length: 2000 }, (_, i) => `${' '.repeat(8 + i)}k${i}:\n`).join('') +
      `${' '.repeat(2008)}v\n${step}`,
    /:\d+:\d+ SPEC_LIMIT YAML nests more than 64 levels deep here/,
  ],
  [
    '5,000 nested flow sequences',
    () => `jobs:\n  a:\n    image: ferry/busybox:1\n    env: ${'['.repeat(5000)}${']'.repeat(5000)}\n${step}`,
    /:4:\d+ SPEC_LIMIT YAML nests more than 64 levels deep here/,
  ],
  [
    'an if: of 6,000 && terms',
    () => `jobs:\n${job('a', `    if: \${{ ${Array.from({ length: 6000 }, () => 'true').join(' && ')} }}\n`)}`,
    /:4:\d+ EXPR_SYNTAX jobs\.a\.if: expression nests too deeply/,
  ],
  [
    'a property chain 6,000 long',
    () => `jobs:\n${job('a', `    if: \${{ git${'.a'.repeat(6000)} }}\n`)}`,
    /:4:\d+ EXPR_SYNTAX jobs\.a\.if: expression nests too deeply/,
  ],
  [
    'a 5 × 20 matrix',
    () =>
      `jobs:\n${job('a', `    matrix:\n${Array.from({ length: 5 }, (_, i) => `      k${i}: [${Array.from({ length: 20 }, (_, j) => j).join(', ')}]\n`).join('')}`)}`,
    /:4:5 PLAN_INVALID jobs\.a\.matrix: matrix axes make 3200000 combinations, more than the limit of 4096/,
  ],
  [
    'an 8 × 10 matrix in 306 bytes',
    () =>
      `jobs:\n${job('a', `    matrix:\n${Array.from({ length: 8 }, (_, i) => `      k${i}: [0,1,2,3,4,5,6,7,8,9]\n`).join('')}`)}`,
    /PLAN_INVALID jobs\.a\.matrix: matrix axes make 100000000 combinations/,
  ],
  [
    'nested format() calls',
    () => {
      let expression = "'x'";
      for (let i = 0; i < 12; i += 1) expression = `format('{0}{0}{0}{0}{0}{0}{0}{0}', ${expression})`;
      return `jobs:\n${job('a', `    env:\n      X: \${{ ${expression} }}\n`)}`;
    },
    /EXPR_EVAL jobs\.a: format: the result is over 1 MB of text/,
  ],
  [
    'a 5 MB file',
    () => {
      let text = 'jobs:\n';
      for (let i = 0; text.length < 5 * 1024 * 1024; i += 1) text += job(`j${i}`);
      return text;
    },
    /:1:1 SPEC_LIMIT the file is 5\.0 MB, more than the limit of 2 MB/,
  ],
];

describe('ferry validate on large or hostile files', () => {
  it.each(cases)('refuses %s with a positioned error and exit 2', async (name, make, expected) => {
    const at = file(`${name.replace(/[^a-z0-9]+/gi, '-')}.yml`, make());
    const result = await ferry(['validate', at], dir);
    expect(result.exitCode, result.all.slice(0, 500)).toBe(2);
    expect(result.all).toMatch(expected);
    expect(result.all).not.toContain('internal error');
    expect(result.all).not.toMatch(/\n\s+at /);
  });

  it('still validates 1,000 jobs whose needs form a dense DAG, and reports a duplicate key at its line', async () => {
    const dense =
      'jobs:\n' +
      Array.from({ length: 1000 }, (_, i) =>
        job(
          `j${i}`,
          i > 0
            ? `    needs: [${Array.from({ length: Math.min(i, 50) }, (_, k) => `j${i - 1 - k}`).join(', ')}]\n`
            : '',
        ),
      ).join('');
    const valid = await ferry(['validate', file('dense.yml', dense)], dir);
    expect(valid.exitCode, valid.all.slice(0, 500)).toBe(0);
    expect(valid.stdout).toContain('valid · 1000 jobs');
    const duplicate = await ferry(['validate', file('dup.yml', `jobs:\n${job('a')}${job('b')}${job('a')}`)], dir);
    expect(duplicate.exitCode).toBe(2);
    expect(duplicate.all).toContain('dup.yml:10:3 SPEC_YAML duplicate key "a"');
  });
});
