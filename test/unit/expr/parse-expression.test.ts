import { describe, expect, it } from 'vitest';
import { parseExpression } from '../../../packages/engine/src/expr/index.js';
import type { ExprNode } from '../../../packages/engine/src/expr/index.js';

/** The AST as a fully parenthesised string, to see grouping at a glance. */
function show(node: ExprNode): string {
  switch (node.kind) {
    case 'literal':
      return typeof node.value === 'string' ? `'${node.value}'` : String(node.value);
    case 'context':
      return node.name;
    case 'property':
      return `${show(node.object)}.${node.name}`;
    case 'index':
      return `${show(node.object)}[${show(node.index)}]`;
    case 'filter':
      return `${show(node.object)}.*`;
    case 'not':
      return `(!${show(node.operand)})`;
    case 'compare':
    case 'logical':
      return `(${show(node.left)} ${node.op} ${show(node.right)})`;
    case 'call':
      return `${node.name}(${node.args.map(show).join(', ')})`;
  }
}

const parsed = (src: string) => {
  const result = parseExpression(src);
  if ('error' in result) throw new Error(`${result.error.message} at ${result.error.offset}`);
  return show(result.ast);
};
const error = (src: string, contexts?: string[]) => {
  const result = parseExpression(src, { contexts });
  return 'error' in result ? `${result.error.offset}: ${result.error.message}` : 'parsed';
};

describe('parseExpression', () => {
  it('binds ! tighter than comparisons, comparisons tighter than ==, == tighter than &&, && tighter than ||', () => {
    expect(parsed('a || b && c')).toBe('(a || (b && c))');
    expect(parsed('a && b || c && d')).toBe('((a && b) || (c && d))');
    expect(parsed('a == b && c != d')).toBe('((a == b) && (c != d))');
    expect(parsed('a < b == c >= d')).toBe('((a < b) == (c >= d))');
    expect(parsed('!a == b')).toBe('((!a) == b)');
    expect(parsed('!!a.b')).toBe('(!(!a.b))');
    expect(parsed('(a || b) && c')).toBe('((a || b) && c)');
    expect(parsed('a == b == c')).toBe('((a == b) == c)');
  });

  it('reads literals: quoted strings with doubled quotes, numbers, keywords', () => {
    expect(parsed("'it''s'")).toBe("'it's'");
    expect(parsed('-1.5e3')).toBe('-1500');
    expect(parsed('0xff')).toBe('255');
    expect(parsed('true && false || null')).toBe('((true && false) || null)');
  });

  it('reads property chains, indexes and names with dashes', () => {
    expect(parsed("jobs.build-image.outputs['digest']")).toBe("jobs.build-image.outputs['digest']");
    expect(parsed('matrix[env.KEY].x[0]')).toBe('matrix[env.KEY].x[0]');
    expect(parsed('fromJSON(env.J).a')).toBe('fromJSON(env.J).a');
    expect(parsed('a.null.true')).toBe('a.null.true');
  });

  it('reads function calls case-insensitively, under their canonical names', () => {
    expect(parsed("STARTSWITH(git.ref, 'refs/tags/')")).toBe("startsWith(git.ref, 'refs/tags/')");
    expect(parsed("format('{0}', join(matrix.list, ', '))")).toBe("format('{0}', join(matrix.list, ', '))");
    expect(parsed('success() && !cancelled()')).toBe('(success() && (!cancelled()))');
  });

  it('reports syntax errors with the offset of the problem', () => {
    expect(
      ['', 'a ==', 'a = b', 'a & b', '"x"', "'open", 'a.', 'a[1', '(a', 'a b', 'a.1', 'f(', 'contains(a,)', '#'].map(
        (src) => error(src),
      ),
    ).toMatchInlineSnapshot(`
      [
        "0: empty expression",
        "4: expected a value after "==", got end of expression",
        "2: unexpected "=" (use "==" to compare)",
        "2: unexpected "&" (use "&&")",
        "0: strings use single quotes: 'text'",
        "0: unterminated string (a quote inside a string is written as '')",
        "2: expected a property name or "*" after ".", got end of expression",
        "3: expected "]" to close "[", got end of expression",
        "2: expected ")" to close "(", got end of expression",
        "2: unexpected "b" after a complete expression",
        "2: expected a property name or "*" after ".", got 1",
        "2: expected a value after "(", got end of expression",
        "0: contains() takes 2 arguments, got 1",
        "0: unexpected "#"",
      ]
    `);
  });

  it('names unknown functions with a suggestion, and checks arity', () => {
    expect(error("contians(a, 'b')")).toMatchInlineSnapshot(
      `"0: unknown function "contians" (did you mean "contains"?)"`,
    );
    expect(error('frobnicate()')).toMatchInlineSnapshot(
      `"0: unknown function "frobnicate" (known: contains, startsWith, endsWith, format, join, case, toJSON, fromJSON, success, failure, cancelled, always, hashFiles)"`,
    );
    expect(error('success(1)')).toMatchInlineSnapshot(`"0: success() takes 0 arguments, got 1"`);
    expect(error('contains(a)')).toMatchInlineSnapshot(`"0: contains() takes 2 arguments, got 1"`);
    expect(error('join()')).toMatchInlineSnapshot(`"0: join() takes 1 or 2 arguments, got 0"`);
    expect(error('hashFiles()')).toMatchInlineSnapshot(`"0: hashFiles() takes at least 1 argument, got 0"`);
  });

  it('accepts only the given context names, ignoring case, when told them', () => {
    expect(parseExpression('GIT.branch', { contexts: ['git'] })).toHaveProperty('ast');
    expect(error('gti.branch == 1', ['git', 'env'])).toMatchInlineSnapshot(
      `"0: unknown context "gti" (did you mean "git"?)"`,
    );
    expect(error('format(nope)', ['git'])).toMatchInlineSnapshot(`"7: unknown context "nope" (contexts: git)"`);
  });

  it('reads object filters and allows a trailing comma in calls, as GitHub does', () => {
    expect(parsed('jobs.*.status')).toBe('jobs.*.status');
    expect(parsed('matrix.list[*].x')).toBe('matrix.list.*.x');
    expect(parsed("format('{0}', a,)")).toBe("format('{0}', a)");
    expect(error("'abc'.length")).toMatchInlineSnapshot(
      `"5: unexpected ".length" (properties are read from a context, a call or parentheses)"`,
    );
  });

  it('nests at most 50 levels deep, as GitHub', () => {
    expect(parsed(`${'('.repeat(49)}a${')'.repeat(49)}`)).toBe('a');
    expect(error(`${'('.repeat(50)}a${')'.repeat(50)}`)).toMatch(/nests too deeply \(over 50 levels/);
    expect(parsed(Array.from({ length: 400 }, () => 'a').join(' && '))).toMatch(/^\(\(/);
  });

  it('refuses to nest without bound', () => {
    expect(error('('.repeat(500) + 'a' + ')'.repeat(500))).toMatch(/nests too deeply/);
    expect(error('!'.repeat(500) + 'a')).toMatch(/nests too deeply/);
  });

  it('records where each node starts and ends', () => {
    const result = parseExpression("  a.b == 'x'");
    expect('ast' in result && result.ast).toMatchObject({
      kind: 'compare',
      start: 2,
      end: 12,
      left: { start: 2, end: 5 },
      right: { start: 9, end: 12 },
    });
  });
});
