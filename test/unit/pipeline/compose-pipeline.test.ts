import { describe, expect, it } from 'vitest';
import { formatIssues, parsePipeline } from '../../../packages/engine/src/pipeline/index.js';
import type { IncludedFile } from '../../../packages/engine/src/pipeline/index.js';

const image = 'image: ferry/busybox:1';

/** Parses `main` (ferry.yml) with `files` as the repository's other files. */
function parse(main: string, files: Record<string, string> = {}) {
  const map = new Map<string, IncludedFile>(Object.entries(files).map(([path, text]) => [path, { file: path, text }]));
  return parsePipeline(main, 'ferry.yml', { path: 'ferry.yml', files: map });
}

function jobOf(main: string, id: string, files: Record<string, string> = {}) {
  const result = parse(main, files);
  if (!result.spec) throw new Error(formatIssues(result.issues));
  return result.spec.jobs[id];
}

describe('extends', () => {
  const cases: Array<{ name: string; yaml: string; expected: Record<string, unknown> }> = [
    {
      name: 'deep-merges mappings, the job winning',
      yaml: `jobs:\n  .base:\n    ${image}\n    env: { A: a, B: b }\n    steps: [{ run: base }]\n  t:\n    extends: .base\n    env: { B: own, C: c }\n`,
      expected: { image: 'ferry/busybox:1', env: { A: 'a', B: 'own', C: 'c' }, steps: [{ run: 'base' }] },
    },
    {
      name: 'replaces lists instead of merging them',
      yaml: `jobs:\n  .base:\n    ${image}\n    steps: [{ run: one }, { run: two }]\n    needs: [x]\n  x: { ${image}, steps: [{ run: x }] }\n  t:\n    extends: .base\n    steps: [{ run: three }]\n`,
      expected: { steps: [{ run: 'three' }], needs: ['x'] },
    },
    {
      name: 'lets a later parent win over an earlier one',
      yaml: `jobs:\n  .a:\n    ${image}\n    env: { V: a, A: a }\n    timeout: 1m\n  .b:\n    env: { V: b, B: b }\n    timeout: 2m\n  t:\n    extends: [.a, .b]\n    steps: [{ run: t }]\n`,
      expected: { env: { V: 'b', A: 'a', B: 'b' }, timeout: '2m' },
    },
    {
      name: 'resolves several levels, the closest level winning',
      yaml: `jobs:\n  .a:\n    ${image}\n    env: { L: a, A: a }\n  .b:\n    extends: .a\n    env: { L: b }\n  .c:\n    extends: .b\n    env: { L: c }\n  t:\n    extends: .c\n    steps: [{ run: t }]\n`,
      expected: { env: { L: 'c', A: 'a' } },
    },
    {
      name: "takes the last parent's whole chain over an earlier parent (GitLab's order)",
      yaml: `jobs:\n  .a: { ${image}, timeout: 1m }\n  .b: { timeout: 2m }\n  .c: { extends: .a }\n  t:\n    extends: [.b, .c]\n    steps: [{ run: t }]\n`,
      expected: { timeout: '1m' },
    },
    {
      name: 'extends a job that runs itself',
      yaml: `jobs:\n  build: { ${image}, env: { X: '1' }, steps: [{ run: make }] }\n  again:\n    extends: build\n    env: { Y: '2' }\n`,
      expected: { env: { X: '1', Y: '2' }, steps: [{ run: 'make' }] },
    },
    {
      name: 'merges matrix settings like any mapping',
      yaml: `jobs:\n  .m:\n    ${image}\n    matrix: { failFast: false, node: [18, 20] }\n  t:\n    extends: .m\n    matrix: { node: [22] }\n    steps: [{ run: t }]\n`,
      expected: { matrix: { failFast: false, node: [22] } },
    },
  ];
  for (const { name, yaml, expected } of cases) {
    it(name, () => {
      expect(jobOf(yaml, 't') ?? jobOf(yaml, 'again')).toMatchObject(expected);
    });
  }

  it('drops templates and the extends key from the pipeline, and x- keys holding anchors', () => {
    const result = parse(
      `x-defaults: &defaults\n  ${image}\n  env: { FROM: anchor }\njobs:\n  .tmpl:\n    steps: [{ run: t }]\n  t:\n    <<: *defaults\n    extends: .tmpl\n`,
    );
    expect(result.issues).toEqual([]);
    expect(Object.keys(result.spec?.jobs ?? {})).toEqual(['t']);
    expect(result.spec?.jobs.t).toEqual({ image: 'ferry/busybox:1', env: { FROM: 'anchor' }, steps: [{ run: 't' }] });
    expect(result.spec).not.toHaveProperty('x-defaults');
  });

  it('does not validate a template that nothing extends, and validates one once merged, at its own lines', () => {
    expect(parse(`jobs:\n  .unused: { imagee: x }\n  t: { ${image}, steps: [{ run: t }] }\n`).issues).toEqual([]);
    const text = `jobs:\n  .base:\n    ${image}\n    steps: [{ run: t, timeout: soon }]\n  a: { extends: .base }\n  b: { extends: .base }\n`;
    // Found in both jobs, at the template's line (as an anchor's problem is, for each alias).
    expect(formatIssues(parse(text).issues).split('\n')).toEqual([
      'ferry.yml:4:32 SPEC_INVALID jobs.a.steps[0].timeout: expected a duration like 30s, 10m or 1h30m',
      'ferry.yml:4:32 SPEC_INVALID jobs.b.steps[0].timeout: expected a duration like 30s, 10m or 1h30m',
    ]);
  });

  it('reports an unknown parent at the entry, with a did-you-mean or the templates', () => {
    expect(
      formatIssues(
        parse(`jobs:\n  .base: { ${image} }\n  t:\n    extends: [.base, .bsae]\n    steps: [{ run: t }]\n`).issues,
      ),
    ).toBe(
      'ferry.yml:4:22 SPEC_EXTENDS jobs.t.extends[1]: job "t" extends unknown job ".bsae" (did you mean ".base"?)',
    );
    expect(formatIssues(parse(`jobs:\n  .x: {}\n  t:\n    extends: .zzzzzz\n`).issues)).toBe(
      'ferry.yml:4:14 SPEC_EXTENDS jobs.t.extends: job "t" extends unknown job ".zzzzzz" (templates: .x)',
    );
  });

  it('reports a cycle at the entry that closes it', () => {
    expect(
      formatIssues(parse(`jobs:\n  .a:\n    extends: .b\n  .b:\n    extends: .a\n  t:\n    extends: .a\n`).issues),
    ).toBe('ferry.yml:5:14 SPEC_EXTENDS jobs[".b"].extends: extends form a cycle: .a → .b → .a');
    expect(formatIssues(parse(`jobs:\n  t:\n    extends: t\n`).issues)).toBe(
      'ferry.yml:3:14 SPEC_EXTENDS jobs.t.extends: extends form a cycle: t → t',
    );
  });

  it('allows 11 levels, as GitLab does, and refuses a 12th', () => {
    const chain = (levels: number) => {
      const lines = [`jobs:\n  .l0: { ${image}, steps: [{ run: t }] }`];
      for (let level = 1; level < levels; level += 1) lines.push(`  .l${level}: { extends: .l${level - 1} }`);
      lines.push(`  t: { extends: .l${levels - 1} }`);
      return `${lines.join('\n')}\n`;
    };
    expect(parse(chain(11)).issues).toEqual([]);
    expect(formatIssues(parse(chain(12)).issues)).toBe(
      'ferry.yml:14:17 SPEC_EXTENDS jobs.t.extends: extends nests more than 11 levels from "t" through ".l11"',
    );
  });

  it('refuses templates that multiply into more values than the limit', () => {
    const big = Array.from({ length: 2000 }, (_, i) => `K${i}: v`).join(', ');
    const jobs = Array.from({ length: 300 }, (_, i) => `  j${i}: { extends: .big }`).join('\n');
    const result = parse(`jobs:\n  .big:\n    ${image}\n    steps: [{ run: t }]\n    env: { ${big} }\n${jobs}\n`);
    expect(result.issues[0]).toMatchObject({ code: 'SPEC_LIMIT', message: expect.stringContaining('250000 values') });
  });
});

describe('extends amplification', () => {
  it('stops merging once a large template has been copied past the limit, before the copying takes long', () => {
    const env = Array.from({ length: 10_000 }, (_, i) => `K${i}: v`).join(', ');
    const parents = Array.from({ length: 30 }, () => '.base').join(', ');
    const templates = Array.from({ length: 300 }, (_, i) => `  .t${i}: { extends: [${parents}] }`).join('\n');
    const all = Array.from({ length: 300 }, (_, i) => `.t${i}`).join(', ');
    const text = `jobs:\n  .base:\n    ${image}\n    steps: [{ run: t }]\n    env: { ${env} }\n${templates}\n  t: { extends: [${all}] }\n`;
    const started = performance.now();
    const result = parse(text);
    // Merging every entry would copy 10,000 values 9,000 times; parsing the YAML is most of this.
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(result.issues).toHaveLength(1);
    expect(result.issues[0]).toMatchObject({ code: 'SPEC_LIMIT', path: 'jobs[".t0"].extends[24]' });
  });
});

describe('include', () => {
  const included = `jobs:\n  lint:\n    ${image}\n    steps: [{ run: lint }]\n  .tmpl:\n    ${image}\n    env: { FROM: template }\n`;

  it('merges jobs, templates, env and services of included files, the including file winning', () => {
    const result = parse(
      `include: [ci/jobs.yml, { local: /ci/env.yml }]\nenv: { B: main }\njobs:\n  t:\n    extends: .tmpl\n    steps: [{ run: t }]\n  lint:\n    env: { OVERRIDE: yes }\n`,
      {
        'ci/jobs.yml': included,
        'ci/env.yml': `env: { A: inc, B: inc }\nservices:\n  api: { image: x, port: 8080, env: { discovery.type: single-node } }\n`,
      },
    );
    expect(result.issues).toEqual([]);
    expect(result.spec?.env).toEqual({ A: 'inc', B: 'main' });
    expect(result.spec?.jobs.t).toMatchObject({ env: { FROM: 'template' } });
    expect(result.spec?.jobs.lint).toEqual({
      image: 'ferry/busybox:1',
      steps: [{ run: 'lint' }],
      env: { OVERRIDE: 'yes' },
    });
    expect(result.spec?.services?.api?.env).toEqual({ 'discovery.type': 'single-node' });
  });

  it('lets a later include win over an earlier one, and follows nested includes', () => {
    const result = parse(`include: [a.yml, b.yml]\njobs:\n  t: { ${image}, steps: [{ run: t }] }\n`, {
      'a.yml': 'include: deep/c.yml\nenv: { X: a, Y: a }\n',
      'b.yml': 'env: { X: b }\n',
      'deep/c.yml': 'env: { Z: c, Y: c }\n',
    });
    expect(result.spec?.env).toEqual({ X: 'b', Y: 'a', Z: 'c' });
  });

  it('reports a missing file and a cycle at the include entry of the file that has it', () => {
    const result = parse(`include:\n  - a.yml\n  - missing.yml\njobs:\n  t: { ${image}, steps: [{ run: t }] }\n`, {
      'a.yml': 'include: [b.yml]\n',
      'b.yml': 'env: { B: b }\ninclude: [a.yml, ferry.yml]\n',
    });
    expect(formatIssues(result.issues)).toBe(
      [
        'ferry.yml:3:5 SPEC_INCLUDE include[1]: included file "missing.yml" does not exist in the repository',
        'b.yml:2:11 SPEC_INCLUDE include[0]: include cycle: a.yml → b.yml → a.yml',
        'b.yml:2:18 SPEC_INCLUDE include[1]: include cycle: ferry.yml → a.yml → b.yml → ferry.yml',
      ].join('\n'),
    );
  });

  it('refuses paths outside the repository, wildcards, URLs and files that are not YAML', () => {
    const result = parse(
      `include: [../up.yml, "ci/*.yml", "https://example.com/a.yml", README.md, { file: a.yml }]\njobs: {}\n`,
    );
    expect(formatIssues(result.issues).split('\n')).toEqual([
      'ferry.yml:1:11 SPEC_INCLUDE include[0]: include "../up.yml" is outside the repository',
      'ferry.yml:1:22 SPEC_INCLUDE include[1]: include "ci/*.yml": wildcards are not supported; list the files',
      'ferry.yml:1:34 SPEC_INCLUDE include[2]: include "https://example.com/a.yml": only files of the repository can be included (include:local)',
      'ferry.yml:1:63 SPEC_INCLUDE include[3]: include "README.md": an included file must end in .yml or .yaml',
      'ferry.yml:1:74 SPEC_INCLUDE include[4]: expected a file path (include: ci/jobs.yml) or { local: ci/jobs.yml }',
    ]);
  });

  it('names the included file, at its own line and column, for problems in it', () => {
    const result = parse(`include: ci/jobs.yml\njobs:\n  t: { extends: .tmpl, steps: [{ run: t }] }\n`, {
      'ci/jobs.yml': `jobs:\n  .tmpl:\n    ${image}\n    timeout: soon\n  lint:\n    imagee: x\n    steps: [{ run: lint }]\n`,
    });
    expect(formatIssues(result.issues).split('\n')).toEqual([
      'ci/jobs.yml:4:14 SPEC_INVALID jobs.t.timeout: expected a duration like 30s, 10m or 1h30m',
      'ci/jobs.yml:6:5 SPEC_INVALID jobs.lint.imagee: unknown key "imagee" (did you mean "image"?)',
    ]);
    const broken = parse('include: [bad.yml]\njobs: {}\n', { 'bad.yml': 'jobs:\n  a: [\n' });
    expect(broken.issues[0]).toMatchObject({ code: 'SPEC_YAML', file: 'bad.yml', line: 3 });
  });

  it('places planner issues in the included file through locate', () => {
    const result = parse(`include: ci/jobs.yml\njobs:\n  t: { ${image}, steps: [{ run: t }] }\n`, {
      'ci/jobs.yml': `jobs:\n  lint:\n    ${image}\n    steps: [{ run: lint }]\n`,
    });
    expect(result.locate('jobs.lint.steps[0].run')).toEqual({ file: 'ci/jobs.yml', line: 4, col: 15 });
    expect(result.locate('jobs.t')).toEqual({ file: 'ferry.yml', line: 3, col: 3 });
  });

  it('stops merging deeply nested large includes past the limit on copied values, reporting it once', () => {
    const files: Record<string, string> = {};
    // A chain of 25 files of 4,000 keys: each level copies what all the files below it hold.
    for (let i = 0; i < 25; i += 1) {
      const env = Array.from({ length: 4000 }, (_, k) => `K${i}_${k}: v`).join(', ');
      files[`f${i}.yml`] = `${i < 24 ? `include: f${i + 1}.yml\n` : ''}env: { ${env} }\n`;
    }
    const result = parse(`include: f0.yml\njobs:\n  t: { ${image}, steps: [{ run: t }] }\n`, files);
    expect(result.issues).toHaveLength(1);
    expect(result.issues[0]).toMatchObject({
      code: 'SPEC_LIMIT',
      message: 'merging the included files copies more than 1000000 values; include fewer or smaller files',
    });
  });

  it('reports an include as missing when the caller read no files', () => {
    expect(parsePipeline('include: a.yml\njobs: {}\n', 'ferry.yml').issues[0]).toMatchObject({
      code: 'SPEC_INCLUDE',
      message: 'included file "a.yml" does not exist in the repository',
    });
  });
});

describe('container env names', () => {
  it('accepts dotted names for service and sidecar env, and keeps job and step env to shell names', () => {
    const ok = parse(
      `jobs:\n  t:\n    ${image}\n    services:\n      es: { image: es, env: { discovery.type: single-node, xpack.security.enabled: "false" } }\n    steps: [{ run: t }]\n`,
    );
    expect(ok.issues).toEqual([]);
    const bad = parse(`jobs:\n  t:\n    ${image}\n    env: { discovery.type: x }\n    steps: [{ run: t }]\n`);
    expect(bad.issues[0]).toMatchObject({ code: 'SPEC_INVALID', message: expect.stringContaining('invalid name') });
  });
});
