import { describe, expect, it } from 'vitest';
import { isFerryError } from '../../../packages/engine/src/errors.js';
import {
  ExpressionSyntaxError,
  evaluateTemplate,
  findTemplateExpressions,
  renderTemplate,
} from '../../../packages/engine/src/expr/index.js';
import { ctx } from './expr-test-context.js';

describe('findTemplateExpressions', () => {
  it('locates each ${{ }} with its source and offsets', () => {
    const text = 'a ${{ git.sha }} b ${{matrix.os}}';
    expect(findTemplateExpressions(text)).toEqual([
      { src: ' git.sha ', start: 2, end: 16 },
      { src: 'matrix.os', start: 19, end: 33 },
    ]);
    expect(findTemplateExpressions('no expressions, ${ env.X } or {{ x }}')).toEqual([]);
  });

  it('does not end an expression at a }} inside a string literal', () => {
    expect(findTemplateExpressions("${{ format('{{0}}', 'x') }}!")).toEqual([
      { src: " format('{{0}}', 'x') ", start: 0, end: 27 },
    ]);
  });

  it('reports an unterminated ${{ with its offset', () => {
    const error = (() => {
      try {
        findTemplateExpressions('ok ${{ git.sha } and more');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ExpressionSyntaxError);
    expect(error).toMatchObject({ code: 'EXPR_SYNTAX', offset: 3, detail: 'unterminated "${{" (missing "}}")' });
  });
});

describe('renderTemplate', () => {
  it('replaces each expression with its value as text', () => {
    expect(renderTemplate('npm test -- --shard=${{ matrix.os }}/3 on ${{ git.branch }}', ctx)).toBe(
      'npm test -- --shard=linux/3 on main',
    );
  });

  it('renders null as nothing, booleans and numbers as written, lists and objects as JSON', () => {
    expect(
      renderTemplate('[${{ git.nope }}] ${{ true }} ${{ 1.5 }} ${{ matrix.list }} ${{ jobs.build.outputs }}', ctx),
    ).toBe('[] true 1.5 ["a","b","c"] {"digest":"sha256:abc"}');
  });

  it('leaves text without expressions alone', () => {
    expect(renderTemplate('echo $HOME {{ x }}', ctx)).toBe('echo $HOME {{ x }}');
  });

  it('passes hashFiles through', () => {
    expect(renderTemplate("npm-${{ hashFiles('package-lock.json') }}", ctx, { hashFiles: () => 'abc' })).toBe(
      'npm-abc',
    );
  });

  it('throws EXPR_SYNTAX with the offset in the whole text, and EXPR_EVAL naming the expression', () => {
    const thrown = (text: string) => {
      try {
        renderTemplate(text, ctx);
      } catch (error) {
        if (error instanceof ExpressionSyntaxError) return `${error.code} @${error.offset} ${error.detail}`;
        if (isFerryError(error)) return `${error.code} ${error.message}`;
      }
      return 'no error';
    };
    expect(thrown('echo ${{ git.sha == }}')).toMatchInlineSnapshot(
      `"EXPR_SYNTAX @20 expected a value after "==", got end of expression"`,
    );
    expect(thrown('echo ${{ }}')).toMatchInlineSnapshot(`"EXPR_SYNTAX @5 empty expression"`);
    expect(thrown('echo ${{ matrx.os }}')).toMatchInlineSnapshot(
      `"EXPR_EVAL unknown context "matrx" (did you mean "matrix"?) in "matrx.os""`,
    );
  });
});

describe('evaluateTemplate', () => {
  it('returns the raw value of a string that is one expression', () => {
    expect(evaluateTemplate('${{ matrix.list }}', ctx)).toEqual(['a', 'b', 'c']);
    expect(evaluateTemplate('  ${{ 3 }} ', ctx)).toBe(3);
    expect(evaluateTemplate('${{ git.nope }}', ctx)).toBeNull();
  });

  it('renders anything else as text', () => {
    expect(evaluateTemplate('v${{ 3 }}', ctx)).toBe('v3');
    expect(evaluateTemplate('${{ 1 }}${{ 2 }}', ctx)).toBe('12');
    expect(evaluateTemplate('plain', ctx)).toBe('plain');
  });
});
