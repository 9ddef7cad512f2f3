import { collectReferences } from './collect-references.js';
import type { ExprNode } from './expr-types.js';
import { statusFunctions } from './expression-functions.js';
import { parseExpressionOrThrow } from './parse-expression.js';
import { parseTemplate } from './parse-template.js';

/**
 * The top-level context names an expression or template reads, in lower case (they ignore case), e.g.
 * {'jobs', 'matrix'}. Calls of success(), failure() or cancelled() add 'status', since they read the job status
 * at run time.
 * `kind` 'auto' treats a string holding `${{` as a template and anything else as a bare expression.
 * Throws ExpressionSyntaxError for a malformed expression.
 */
export function referencedContexts(src: string, kind: 'auto' | 'expression' | 'template' = 'auto'): Set<string> {
  const asTemplate = kind === 'template' || (kind === 'auto' && src.includes('${{'));
  const asts: ExprNode[] = asTemplate
    ? parseTemplate(src).flatMap((part) => (part.kind === 'expression' ? [part.ast] : []))
    : [parseExpressionOrThrow(src)];
  const names = new Set<string>();
  for (const ast of asts) {
    const { reads, calls } = collectReferences(ast);
    for (const read of reads) names.add((read.path[0] as string).toLowerCase());
    for (const call of calls) if (statusFunctions.has(call)) names.add('status');
  }
  return names;
}
