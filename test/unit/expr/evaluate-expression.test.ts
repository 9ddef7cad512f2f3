import { describe, expect, it } from 'vitest';
import { isFerryError } from '../../../packages/engine/src/errors.js';
import { evaluateExpression } from '../../../packages/engine/src/expr/index.js';
import { ctx } from './expr-test-context.js';

const run = (src: string, extra: Record<string, unknown> = {}) => evaluateExpression(src, { ...ctx, ...extra });
const failure = (src: string, extra: Record<string, unknown> = {}) => {
  try {
    run(src, extra);
  } catch (error) {
    if (isFerryError(error)) return `${error.code} ${error.message}`;
    throw error;
  }
  return 'no error';
};

describe('evaluateExpression', () => {
  it('reads contexts, properties and indexes', () => {
    expect(run('git.branch')).toBe('main');
    expect(run("jobs.build.outputs['digest']")).toBe('sha256:abc');
    expect(run('matrix.list[1]')).toBe('b');
    expect(run("matrix.list['0']")).toBe('a');
    expect(run('jobs[env.JOB].status')).toBe('success');
    expect(run('fromJSON(env.JSON).a.b')).toBe(1);
  });

  it('yields null for a missing property of an existing object, and for reads into non-objects', () => {
    expect(run('git.nope')).toBeNull();
    expect(run('git.nope.deeper')).toBeNull();
    expect(run('git.branch.length')).toBeNull();
    expect(run('matrix.list[5]')).toBeNull();
    expect(run('matrix.list[-1]')).toBeNull();
    expect(run('matrix.list.x')).toBeNull();
    expect(run('env.EMPTY')).toBe('');
  });

  it('names a missing context with a suggestion', () => {
    expect(failure('matrx.os')).toMatchInlineSnapshot(
      `"EXPR_EVAL unknown context "matrx" (did you mean "matrix"?) in "matrx.os""`,
    );
    expect(failure('nothing.here')).toMatchInlineSnapshot(
      `"EXPR_EVAL unknown context "nothing" (contexts: env, matrix, git, jobs, secrets, run) in "nothing.here""`,
    );
  });

  it('returns operands from && and ||, and short-circuits', () => {
    expect(run("git.tag || 'none'")).toBe('none');
    expect(run("git.branch || 'none'")).toBe('main');
    expect(run("git.tag && 'tagged'")).toBe('');
    expect(run("git.branch && 'yes'")).toBe('yes');
    expect(run('0 || null')).toBeNull();
    expect(run("true || hashFiles('x')")).toBe(true);
    expect(run("false && hashFiles('x')")).toBe(false);
    expect(run("git.branch == 'main' && 'deploy' || 'skip'")).toBe('deploy');
  });

  it('negates by truthiness', () => {
    expect(run('!git.tag')).toBe(true);
    expect(run("!'false'")).toBe(false);
    expect(run('!matrix.list')).toBe(false);
  });

  it('compares loosely, like GitHub Actions', () => {
    const cases: Array<[string, boolean]> = [
      ["'abc' == 'ABC'", true],
      ["1 == '1'", true],
      ["1 == '1.0'", true],
      ["0 == ''", true],
      ['null == 0', true],
      ['null == false', true],
      ["true == 'true'", false],
      ['true == 1', true],
      ["'a' == 1", false],
      ["'a' != 1", true],
      ['matrix.list == matrix.list', true],
      ["matrix.list == 'a'", false],
      ["2 < '10'", true],
      ["'2' < '10'", false],
      ["'a' < 'B'", true],
      ['null < 1', true],
      ["'x' < 1", false],
      ["'x' >= 1", false],
      ['NaN == NaN', false],
      ['NaN != NaN', true],
      ['3 >= 3 && 3 <= 3 && 4 > 3', true],
      ["' 12 ' == 12", true],
      ["'0x10' == 16", true],
    ];
    for (const [src, expected] of cases) expect([src, run(src)]).toEqual([src, expected]);
  });

  it('runs the string functions case-insensitively', () => {
    expect(run("contains('Hello World', 'WORLD')")).toBe(true);
    expect(run("contains(matrix.list, 'B')")).toBe(true);
    expect(run("contains(matrix.list, 'z')")).toBe(false);
    expect(run("contains(matrix.numbers, '2')")).toBe(true);
    expect(run("startsWith(git.ref, 'REFS/heads')")).toBe(true);
    expect(run("endsWith(git.ref, '/main')")).toBe(true);
    expect(run("startsWith(null, '')")).toBe(true);
  });

  it('formats, joins and converts JSON', () => {
    expect(run("format('{0}-{1}-{0}', git.branch, 1.5)")).toBe('main-1.5-main');
    expect(run("format('{{literal}} {0}', null)")).toBe('{literal} ');
    expect(run("join(matrix.list, ', ')")).toBe('a, b, c');
    expect(run('join(matrix.list)')).toBe('a,b,c');
    expect(run("join('solo', '-')")).toBe('solo');
    expect(run('toJSON(matrix.list)')).toBe('[\n  "a",\n  "b",\n  "c"\n]');
    expect(run("toJSON('x')")).toBe('"x"');
    expect(run("fromJSON('[1, true, null]')")).toEqual([1, true, null]);
    expect(run("fromJSON('3') == 3")).toBe(true);
  });

  it('explains function failures', () => {
    expect(failure("format('{0} {1}', 'a')")).toMatchInlineSnapshot(
      `"EXPR_EVAL format: placeholder {1} has no argument (1 given) in "format('{0} {1}', 'a')""`,
    );
    expect(failure("format('{x}', 'a')")).toMatchInlineSnapshot(
      `"EXPR_EVAL format: "{" must start a placeholder like {0} (write "{{" for a literal "{") in "format('{x}', 'a')""`,
    );
    expect(failure("format('a }', 'a')")).toMatchInlineSnapshot(
      `"EXPR_EVAL format: unmatched "}" (write "}}" for a literal "}") in "format('a }', 'a')""`,
    );
    expect(failure("fromJSON('{bad')")).toMatch(/^EXPR_EVAL fromJSON: invalid JSON \(.+\) in "fromJSON\('\{bad'\)"$/);
    // The message never quotes the text: it may be a secret.
    const leaked = failure('fromJSON(secrets.TOKEN)', { secrets: { TOKEN: 'sup3r-s3cret-value' } });
    expect(leaked).toMatch(/fromJSON: invalid JSON \(18 characters(, broken at position \d+)?\)/);
    expect(leaked).not.toMatch(/sup3r|s3cret/);
  });

  it('reads the status for success(), failure() and cancelled(); always() is true', () => {
    const statuses = (status?: string) =>
      ['success()', 'failure()', 'cancelled()', 'always()'].map((src) =>
        run(src, status === undefined ? {} : { status }),
      );
    expect(statuses()).toEqual([true, false, false, true]);
    expect(statuses('success')).toEqual([true, false, false, true]);
    expect(statuses('failure')).toEqual([false, true, false, true]);
    expect(statuses('cancelled')).toEqual([false, false, true, true]);
  });

  it('calls the host hashFiles with the globs, or says it is not available', () => {
    const seen: string[][] = [];
    const hashFiles = (globs: string[]) => {
      seen.push(globs);
      return 'h4sh';
    };
    expect(evaluateExpression("format('npm-{0}', hashFiles('package-lock.json', '**/*.ts'))", ctx, { hashFiles })).toBe(
      'npm-h4sh',
    );
    expect(seen).toEqual([['package-lock.json', '**/*.ts']]);
    expect(failure("hashFiles('x')")).toMatchInlineSnapshot(
      `"EXPR_EVAL hashFiles is not available here in "hashFiles('x')""`,
    );
  });

  it('throws EXPR_SYNTAX for a malformed expression', () => {
    expect(failure('git.branch ==')).toMatchInlineSnapshot(
      `"EXPR_SYNTAX expected a value after "==", got end of expression in "git.branch ==" at column 14"`,
    );
  });
});

describe('safety', () => {
  it('cannot reach prototypes or constructors', () => {
    for (const src of [
      'git.constructor',
      "git['constructor']",
      'git.__proto__',
      "git['__proto__']",
      'matrix.list.constructor',
      "matrix.list['constructor']",
      'git.toString',
      'git.hasOwnProperty',
      "fromJSON('{}').constructor",
      "git.constructor['constructor']",
    ]) {
      expect([src, run(src)]).toEqual([src, null]);
    }
  });

  it('does not treat inherited names as contexts', () => {
    expect(failure('constructor')).toMatch(/^EXPR_EVAL unknown context "constructor"/);
    expect(failure('__proto__.x')).toMatch(/^EXPR_EVAL unknown context "__proto__"/);
    expect(failure('toString')).toMatch(/^EXPR_EVAL unknown context "toString"/);
  });

  it('keeps an own __proto__ key of parsed JSON as plain data', () => {
    expect(run('fromJSON(\'{"__proto__": {"polluted": 1}}\').polluted')).toBeNull();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('never hands out functions that the context happens to hold', () => {
    expect(run('helpers.fn', { helpers: { fn: () => 'x' } })).toBeNull();
    expect(run('toJSON(helpers)', { helpers: { fn: () => 'x' } })).toBe('{}');
  });

  it('reads context and property names ignoring case, the first matching key winning', () => {
    expect(run('GIT.Branch')).toBe('main');
    expect(run("Jobs.BUILD.outputs['DIGEST']")).toBe('sha256:abc');
    expect(run('x.KEY', { x: { key: 1, KEY: 2 } })).toBe(1);
  });

  it('filters objects and arrays with .* and [*]', () => {
    const deps = { a: { result: 'success' }, b: { result: 'failure' }, c: { other: 1 } };
    expect(run('deps.*.result', { deps })).toEqual(['success', 'failure']);
    expect(run("contains(deps.*.result, 'failure')", { deps })).toBe(true);
    expect(run('matrix.numbers[*]')).toEqual([1, 2, 3]);
    expect(run('x.*.*', { x: { a: [1, 2], b: { c: 3 }, d: 'text' } })).toEqual([1, 2, 3]);
    expect(run('git.nope.*')).toEqual([]);
  });

  it('picks a value with case(), whose predicates must be booleans', () => {
    expect(run("case(git.branch == 'main', 'prod', git.branch == 'dev', 'staging', 'test')")).toBe('prod');
    expect(run("case(git.branch == 'x', 'prod', 'test')")).toBe('test');
    expect(failure("case(git.branch, 'prod', 'test')")).toMatchInlineSnapshot(
      `"EXPR_EVAL case: predicate 1 is String, not a boolean in "case(git.branch, 'prod', 'test')""`,
    );
    expect(failure("case(true, 'a')")).toMatch(/^EXPR_SYNTAX case\(\) takes at least 3 arguments/);
    expect(failure("case(true, 'a', false, 'b')")).toMatch(/^EXPR_SYNTAX case\(\) takes an odd number of arguments/);
  });

  it('reads numbers and coerces strings to numbers as JavaScript Number() does', () => {
    expect([run('0xff'), run('0o17'), run('1.5e2'), run('-Infinity'), run('.5')]).toEqual([
      255,
      15,
      150,
      -Infinity,
      0.5,
    ]);
    expect(run("' 0x10 ' == 16")).toBe(true);
    expect(run("'' == 0")).toBe(true);
    expect(failure('1-1')).toMatch(/^EXPR_SYNTAX "1-1" is not a number/);
  });

  it("gives arrays and objects as 'Array' and 'Object' inside functions, and numbers with at most 15 decimals", () => {
    expect(run("format('{0} {1}', matrix.list, git)")).toBe('Array Object');
    expect(run('join(matrix.numbers)')).toBe('1,2,3');
    expect(run("contains(git, 'main')")).toBe(false);
    expect(run("format('{0}', fromJSON('0.1234567890123456789'))")).toBe('0.123456789012346');
  });
});
