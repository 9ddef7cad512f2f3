import { describe, expect, it } from 'vitest';
import { formatIssues, parsePipeline } from '../../../packages/engine/src/pipeline/index.js';

const issuesOf = (text: string) => formatIssues(parsePipeline(text, 'f.yml').issues);

describe('parsePipeline', () => {
  it('returns the typed spec and no issues for a valid file', () => {
    const result = parsePipeline('jobs:\n  a:\n    image: x\n    steps: [{ run: make }]\n', 'f.yml');
    expect(result.issues).toEqual([]);
    expect(result.spec?.jobs.a?.steps?.[0]?.run).toBe('make');
  });

  it('never throws, whatever the input', () => {
    for (const text of [
      '',
      '\0',
      ':::',
      '[',
      '{a: 1',
      'jobs: !!binary x',
      '*undefined',
      '- - -',
      'a: &a [*a]',
      '%YAML 9\n---\n',
    ]) {
      expect(() => parsePipeline(text, 'f.yml')).not.toThrow();
      expect(parsePipeline(text, 'f.yml').spec).toBeUndefined();
    }
  });

  it('refuses alias bombs', () => {
    const levels = ['a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]'];
    for (const [prev, name] of [
      ['a', 'b'],
      ['b', 'c'],
      ['c', 'd'],
      ['d', 'e'],
      ['e', 'f'],
    ] as const) {
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(', ')}]`);
    }
    expect(issuesOf(`${levels.join('\n')}\njobs: {}\n`)).toMatch(/^f\.yml:1:1 SPEC_YAML .*alias/i);
  });

  it('reports every YAML error of the document', () => {
    expect(issuesOf('jobs:\n  a: [x\n  b: 1\n  b: 2\n')).toMatchInlineSnapshot(`
      "f.yml:3:3 SPEC_YAML flow sequence in block collection must be sufficiently indented and end with a ]
      f.yml:3:6 SPEC_YAML nested mappings are not allowed in compact mappings
      f.yml:3:6 SPEC_YAML implicit keys need to be on a single line"
    `);
  });

  it('rejects a file of several documents', () => {
    expect(issuesOf('jobs: {}\n---\njobs: {}\n')).toMatchInlineSnapshot(
      `"f.yml:2:1 SPEC_YAML a pipeline file holds one YAML document; remove the "---" separator"`,
    );
  });

  it('points into quoted strings and block scalars at the expression', () => {
    const text = [
      'jobs:',
      '  a:',
      '    image: x',
      '    steps:',
      '      - run: "echo ${{ git.sha == }}"',
      "      - run: 'echo ''quoted'' ${{ env.A && }}'",
      '      - run: >',
      '          folded',
      '          ${{ matrix.x }}',
      '',
    ].join('\n');
    expect(issuesOf(text)).toMatchInlineSnapshot(`
      "f.yml:5:35 EXPR_SYNTAX jobs.a.steps[0].run: expected a value after "==", got end of expression in \${{ git.sha == }}
      f.yml:6:44 EXPR_SYNTAX jobs.a.steps[1].run: expected a value after "&&", got end of expression in \${{ env.A && }}
      f.yml:9:15 SPEC_INVALID jobs.a.steps[2].run: job "a" has no matrix axis "x" (it has no matrix)"
    `);
  });

  it('points at the anchor when the problem comes through a merge key', () => {
    const text = [
      'jobs:',
      '  a: &base',
      '    image: x',
      '    steps: [{ run: make }]',
      '    timeout: soon',
      '  b:',
      '    <<: *base',
      '    needs: a',
      '',
    ].join('\n');
    expect(issuesOf(text)).toMatchInlineSnapshot(`
      "f.yml:5:14 SPEC_INVALID jobs.a.timeout: expected a duration like 30s, 10m or 1h30m
      f.yml:5:14 SPEC_INVALID jobs.b.timeout: expected a duration like 30s, 10m or 1h30m"
    `);
  });

  it('points at the key of the mapping that misses a required key', () => {
    expect(
      issuesOf('jobs:\n  a:\n    image: x\n    steps:\n      - name: build\n        env: {}\n'),
    ).toMatchInlineSnapshot(`"f.yml:5:9 SPEC_INVALID jobs.a.steps[0].run: required"`);
    expect(issuesOf('name: x\n')).toMatchInlineSnapshot(`"f.yml:1:1 SPEC_INVALID jobs: required"`);
  });

  it('points at the key when a value is left empty', () => {
    expect(issuesOf('jobs:\n  a:\n    image:\n    steps: [{ run: make }]\n')).toMatchInlineSnapshot(
      `"f.yml:3:5 SPEC_INVALID jobs.a.image: expected string, got null"`,
    );
  });

  it('accepts bare, wrapped and boolean conditions but not half-wrapped ones', () => {
    const job = (condition: string) => `jobs:\n  a:\n    image: x\n    if: ${condition}\n    steps: [{ run: make }]\n`;
    expect(issuesOf(job("git.branch == 'main'"))).toBe('');
    expect(issuesOf(job("${{ git.branch == 'main' }}"))).toBe('');
    expect(issuesOf(job('false'))).toBe('');
    expect(issuesOf(job('${{ git.tag }} && ${{ git.sha }}'))).toMatchInlineSnapshot(
      `"f.yml:4:9 EXPR_SYNTAX jobs.a.if: a condition must be one expression: wrap all of it in a single \${{ }}, or none of it"`,
    );
  });

  it('lets a job read outputs of jobs it needs through stage order', () => {
    const text = `stages: [one, two, three]
jobs:
  a: { stage: one, image: x, steps: [{ run: make }] }
  b: { stage: two, image: x, steps: [{ run: make }] }
  c: { stage: three, image: x, steps: [{ run: "echo \${{ jobs.a.outputs.v }} \${{ jobs.b.status }}" }] }
  d: { stage: three, needs: [b], image: x, steps: [{ run: "echo \${{ jobs.a.outputs.v }}" }] }
  e: { image: x, steps: [{ run: "echo \${{ jobs.a.outputs.v }}" }] }
`;
    expect(issuesOf(text)).toMatchInlineSnapshot(
      `"f.yml:7:43 SPEC_INVALID jobs.e.steps[0].run: job "e" reads jobs.a.outputs but does not need "a" (add it to needs)"`,
    );
  });

  it('knows matrix axes that only include entries add', () => {
    const text = `jobs:
  t:
    image: x
    matrix: { os: [linux], include: [{ os: linux, arch: arm64 }] }
    steps: [{ run: "echo \${{ matrix.os }} \${{ matrix.arch }} \${{ matrix['os'] }} \${{ toJSON(matrix) }}" }]
`;
    expect(issuesOf(text)).toBe('');
  });

  it('reports standalone semantic issues together with schema issues, one per node', () => {
    const text = `jobs:
  build:
    imagee: ferry/busybox:1
    steps:
      - run: 42
  test:
    needs: [biuld]
    image: ferry/busybox:1
    if: ""
    steps:
      - run: echo \${{ matrix.os == }}
`;
    expect(issuesOf(text)).toMatchInlineSnapshot(`
      "f.yml:3:5 SPEC_INVALID jobs.build.imagee: unknown key "imagee" (did you mean "image"?)
      f.yml:5:14 SPEC_INVALID jobs.build.steps[0].run: expected string, got number
      f.yml:7:13 PLAN_UNKNOWN_NEED jobs.test.needs[0]: job "test" needs unknown job "biuld" (did you mean "build"?)
      f.yml:9:9 SPEC_INVALID jobs.test.if: expected a non-empty string
      f.yml:11:36 EXPR_SYNTAX jobs.test.steps[0].run: expected a value after "==", got end of expression in \${{ matrix.os == }}"
    `);
  });

  it('checks matrix axes, job outputs and secrets only once the schema passes', () => {
    const job = (retry: number) => `jobs:
  a:
    image: x
    retry: ${retry}
    steps: [{ run: "echo \${{ jobs.b.outputs.x }} \${{ matrix.os }} \${{ secrets.T }} \${{ nope.x }}" }]
  b: { image: x, steps: [{ run: make }] }
`;
    expect(issuesOf(job(9))).toMatchInlineSnapshot(`
      "f.yml:4:12 SPEC_INVALID jobs.a.retry: expected a number <= 5, got 9
      f.yml:5:88 EXPR_EVAL jobs.a.steps[0].run: unknown context "nope" (contexts: env, matrix, git, jobs, secrets, run, steps)"
    `);
    expect(issuesOf(job(1))).toMatchInlineSnapshot(`
      "f.yml:5:30 SPEC_INVALID jobs.a.steps[0].run: job "a" reads jobs.b.outputs but does not need "b" (add it to needs)
      f.yml:5:54 SPEC_INVALID jobs.a.steps[0].run: job "a" has no matrix axis "os" (it has no matrix)
      f.yml:5:71 SPEC_INVALID jobs.a.steps[0].run: job "a" reads secrets.T but does not list it (add secrets: [T])
      f.yml:5:88 EXPR_EVAL jobs.a.steps[0].run: unknown context "nope" (contexts: env, matrix, git, jobs, secrets, run, steps)"
    `);
  });

  it('reads context, job, axis and secret names ignoring case, as GitHub does', () => {
    const text = `secrets: [TOKEN]
jobs:
  a:
    image: x
    needs: [b]
    matrix: { os: [linux] }
    steps: [{ run: "echo \${{ Jobs.B.outputs.x }} \${{ MATRIX.OS }} \${{ secrets.token }} \${{ Env.HOME }}" }]
  b: { image: x, steps: [{ run: make }] }
`;
    expect(issuesOf(text)).toBe('');
  });

  it('quotes keys that are not plain names in paths', () => {
    expect(
      issuesOf('jobs:\n  a:\n    image: x\n    steps: [{ run: make }]\n    env: { "A.B": 1 }\n'),
    ).toMatchInlineSnapshot(
      `"f.yml:5:12 SPEC_INVALID jobs.a.env["A.B"]: invalid name "A.B": expected an environment variable name (letters, digits, _; not starting with a digit)"`,
    );
  });

  it('takes docker: true on a job with steps, where no service is also called docker', () => {
    expect(issuesOf('jobs:\n  a:\n    image: x\n    docker: true\n    steps: [{ run: docker ps }]\n')).toBe('');
    const text = `jobs:
  a:
    image: x
    docker: true
    services:
      docker: { image: docker:dind }
    steps: [{ run: docker ps }]
  b:
    docker: true
    deploy: { services: [api] }
services:
  api: { image: x, port: 80 }
`;
    expect(issuesOf(text)).toMatchInlineSnapshot(`
      "f.yml:6:7 SPEC_INVALID jobs.a.services.docker: with docker: true the job's Docker daemon is the service "docker"; give this service another name
      f.yml:9:5 SPEC_INVALID jobs.b.docker: docker: true applies to jobs with steps (build and deploy jobs run no container)"
    `);
  });

  it('requires at least one job and distinct stages', () => {
    expect(issuesOf('stages: [a, b, a]\njobs: {}\n')).toMatchInlineSnapshot(`
      "f.yml:1:16 SPEC_INVALID stages[2]: stage "a" is listed twice
      f.yml:2:1 SPEC_INVALID jobs: a pipeline needs at least one job"
    `);
  });

  it('places a dotted path in the file for issues found later (by the planner)', () => {
    const { locate } = parsePipeline(
      'jobs:\n  a:\n    image: x\n    needs: [b]\n    steps:\n      - run: make\n  b: {}\n',
      'f.yml',
    );
    expect(locate('jobs.a.needs')).toEqual({ file: 'f.yml', line: 4, col: 5 });
    expect(locate('jobs.a.steps[0].run')).toEqual({ file: 'f.yml', line: 6, col: 9 });
    expect(locate('jobs.b')).toEqual({ file: 'f.yml', line: 7, col: 3 });
    expect(locate('jobs.zzz.needs')).toEqual({ file: 'f.yml', line: 1, col: 1 });
    expect(locate('')).toEqual({ file: 'f.yml', line: 1, col: 1 });
  });
});
