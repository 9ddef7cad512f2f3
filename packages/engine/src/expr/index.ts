export type { ExprContext, ExprNode, ExprOptions, ExprStatus } from './expr-types.js';
export {
  parseExpression,
  parseExpressionOrThrow,
  type ParseExpressionResult,
  type ParseOptions,
} from './parse-expression.js';
export { ExpressionSyntaxError } from './expression-syntax-error.js';
export { evaluateExpression } from './evaluate-expression.js';
export { evaluateAst } from './evaluate-ast.js';
export { findTemplateExpressions, type TemplateExpression } from './find-template-expressions.js';
export { parseTemplate, type TemplatePart } from './parse-template.js';
export { renderTemplate, evaluateTemplate } from './render-template.js';
export { evaluateCondition, parseCondition } from './evaluate-condition.js';
export { referencedContexts } from './referenced-contexts.js';
export { collectReferences, type ExprReference, type ExprReferences } from './collect-references.js';
export { callsStatusFunction } from './calls-status-function.js';
export { isTruthy } from './is-truthy.js';
export { stringifyValue } from './stringify-value.js';
export { suggestName, didYouMean } from './suggest-name.js';
