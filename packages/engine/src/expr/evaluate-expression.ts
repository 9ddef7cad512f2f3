import { evaluateAst } from './evaluate-ast.js';
import type { ExprContext, ExprOptions } from './expr-types.js';
import { parseExpressionOrThrow } from './parse-expression.js';

/**
 * Evaluates one expression (without the `${{ }}` wrapper) against `ctx`.
 * Throws FerryError: EXPR_SYNTAX (an ExpressionSyntaxError, with the offset) or EXPR_EVAL.
 */
export function evaluateExpression(src: string, ctx: ExprContext, options: ExprOptions = {}): unknown {
  return evaluateAst(parseExpressionOrThrow(src), ctx, options, src);
}
