import { ExpressionSyntaxError } from './expression-syntax-error.js';
import type { ExprNode } from './expr-types.js';
import { findTemplateExpressions, type TemplateExpression } from './find-template-expressions.js';
import { parseExpressionOrThrow } from './parse-expression.js';

export type TemplatePart =
  { kind: 'text'; text: string } | ({ kind: 'expression'; ast: ExprNode } & TemplateExpression);

/**
 * Splits a string into literal text and parsed `${{ }}` expressions.
 * Throws ExpressionSyntaxError whose offset and source refer to the whole `text`.
 */
export function parseTemplate(text: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let cursor = 0;
  for (const found of findTemplateExpressions(text)) {
    if (found.start > cursor) parts.push({ kind: 'text', text: text.slice(cursor, found.start) });
    let ast: ExprNode;
    try {
      ast = parseExpressionOrThrow(found.src);
    } catch (error) {
      if (!(error instanceof ExpressionSyntaxError)) throw error;
      const offset = error.detail === 'empty expression' ? found.start : found.start + 3 + error.offset;
      throw new ExpressionSyntaxError(error.detail, offset, text);
    }
    parts.push({ kind: 'expression', ast, ...found });
    cursor = found.end;
  }
  if (cursor < text.length) parts.push({ kind: 'text', text: text.slice(cursor) });
  return parts;
}

/** The one expression of a template that is nothing else (surrounding whitespace allowed), or undefined. */
export function soleExpression(parts: TemplatePart[]): Extract<TemplatePart, { kind: 'expression' }> | undefined {
  const expressions = parts.filter((part) => part.kind === 'expression');
  const onlyBlankText = parts.every((part) => part.kind === 'expression' || part.text.trim() === '');
  return expressions.length === 1 && onlyBlankText ? expressions[0] : undefined;
}
