import { collectReferences } from './collect-references.js';
import type { ExprNode } from './expr-types.js';
import { ExpressionSyntaxError } from './expression-syntax-error.js';
import { parseExpressionOrThrow } from './parse-expression.js';
import { parseTemplate } from './parse-template.js';

const statusCalls: ReadonlySet<string> = new Set(['always', 'success', 'failure', 'cancelled']);

/**
 * Whether a condition (bare, or a `${{ }}` template) calls always(), success(), failure() or cancelled(): such a
 * condition decides for itself whether to run after a failure. Found on the parsed expression, so a name in a
 * string (`contains(msg, 'failure()')`) does not count. A malformed condition calls nothing (evaluating it fails).
 */
export function callsStatusFunction(condition: string): boolean {
  try {
    const asts: ExprNode[] = condition.includes('${{')
      ? parseTemplate(condition).flatMap((part) => (part.kind === 'expression' ? [part.ast] : []))
      : [parseExpressionOrThrow(condition)];
    return asts.some((ast) => [...collectReferences(ast).calls].some((call) => statusCalls.has(call)));
  } catch (error) {
    if (error instanceof ExpressionSyntaxError) return false;
    throw error;
  }
}
