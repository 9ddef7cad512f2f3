import { evaluateAst } from './evaluate-ast.js';
import type { ExprContext, ExprOptions } from './expr-types.js';
import { parseTemplate, soleExpression } from './parse-template.js';
import { stringifyValue } from './stringify-value.js';

/**
 * Replaces each `${{ expr }}` in `text` with its value as text (null → '', arrays and objects → JSON).
 * Throws FerryError EXPR_SYNTAX or EXPR_EVAL.
 */
export function renderTemplate(text: string, ctx: ExprContext, options: ExprOptions = {}): string {
  return parseTemplate(text)
    .map((part) => (part.kind === 'text' ? part.text : stringifyValue(evaluateAst(part.ast, ctx, options, part.src))))
    .join('');
}

/**
 * Like renderTemplate, but a string that is a single `${{ expr }}` (surrounding whitespace allowed)
 * yields the expression's raw value (a number, an object, …) instead of its text.
 */
export function evaluateTemplate(text: string, ctx: ExprContext, options: ExprOptions = {}): unknown {
  const parts = parseTemplate(text);
  const sole = soleExpression(parts);
  if (sole) return evaluateAst(sole.ast, ctx, options, sole.src);
  return parts
    .map((part) => (part.kind === 'text' ? part.text : stringifyValue(evaluateAst(part.ast, ctx, options, part.src))))
    .join('');
}
