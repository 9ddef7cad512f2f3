import { describe, expect, it } from 'vitest';
import { evaluateCondition } from '../../../packages/engine/src/expr/index.js';
import { ctx } from './expr-test-context.js';

describe('evaluateCondition', () => {
  it('takes booleans as they are', () => {
    expect(evaluateCondition(true, ctx)).toBe(true);
    expect(evaluateCondition(false, ctx)).toBe(false);
  });

  it('accepts a bare expression or one wrapped whole in ${{ }}', () => {
    expect(evaluateCondition("git.branch == 'main'", ctx)).toBe(true);
    expect(evaluateCondition("${{ git.branch == 'main' }}", ctx)).toBe(true);
    expect(evaluateCondition("  ${{ git.branch != 'main' }}  ", ctx)).toBe(false);
  });

  it('decides by truthiness', () => {
    expect(evaluateCondition('git.tag', ctx)).toBe(false);
    expect(evaluateCondition('git.sha', ctx)).toBe(true);
    expect(evaluateCondition("'false'", ctx)).toBe(true);
    expect(evaluateCondition('matrix.list', ctx)).toBe(true);
  });

  it('reads the status', () => {
    expect(evaluateCondition('failure()', { ...ctx, status: 'failure' })).toBe(true);
    expect(evaluateCondition('${{ success() }}', { ...ctx, status: 'failure' })).toBe(false);
    expect(evaluateCondition('always()', { ...ctx, status: 'cancelled' })).toBe(true);
  });

  it('refuses a condition only partly wrapped, which would always be true', () => {
    expect(() => evaluateCondition('${{ git.tag }} && ${{ git.sha }}', ctx)).toThrow(
      /a condition must be one expression/,
    );
    expect(() => evaluateCondition("${{ git.tag }} == 'v1'", ctx)).toThrow(
      expect.objectContaining({ code: 'EXPR_SYNTAX' }),
    );
  });

  it('throws EXPR_EVAL for an unknown context', () => {
    expect(() => evaluateCondition('gti.branch', ctx)).toThrow(
      expect.objectContaining({ code: 'EXPR_EVAL', message: expect.stringContaining('did you mean "git"?') }),
    );
  });
});
