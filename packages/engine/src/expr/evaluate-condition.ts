import { evaluateAst } from './evaluate-ast.js';
import { ExpressionSyntaxError } from './expression-syntax-error.js';
import type { ExprContext, ExprNode, ExprOptions } from './expr-types.js';
import { isTruthy } from './is-truthy.js';
import { parseExpressionOrThrow } from './parse-expression.js';
import { parseTemplate, soleExpression } from './parse-template.js';

/**
 * Decides an `if:`. Accepts a boolean, a bare expression (`git.branch == 'main'`) or one wrapped whole
 * in `${{ }}`. No implicit `success() &&` is added: whether a job runs after a failed dependency is the
 * scheduler's call (it can see the status functions through referencedContexts' `status`).
 */
export function evaluateCondition(src: string | boolean, ctx: ExprContext, options: ExprOptions = {}): boolean {
  if (typeof src === 'boolean') return src;
  const { ast, source } = parseCondition(src);
  return isTruthy(evaluateAst(ast, ctx, options, source));
}

export const mixedConditionMessage =
  'a condition must be one expression: wrap all of it in a single ${{ }}, or none of it';

/**
 * The expression of a condition. Throws ExpressionSyntaxError (offset into `src`); a `${{ }}` around only
 * part of a condition is an error, since the text around it would make it always true. `offset` is where
 * `source`, the expression itself, starts in `src`.
 */
export function parseCondition(src: string): { ast: ExprNode; source: string; offset: number } {
  if (!src.includes('${{')) return { ast: parseExpressionOrThrow(src), source: src, offset: 0 };
  const parts = parseTemplate(src);
  const sole = soleExpression(parts);
  if (!sole) {
    throw new ExpressionSyntaxError(mixedConditionMessage, src.indexOf('${{'), src);
  }
  return { ast: sole.ast, source: sole.src, offset: sole.start + 3 };
}
