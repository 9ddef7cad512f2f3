import { FerryError } from '../errors.js';
import { compareValues } from './compare-values.js';
import { ExpressionEvalFailure, expressionFunctions } from './expression-functions.js';
import type { ExprContext, ExprNode, ExprOptions } from './expr-types.js';
import { isTruthy } from './is-truthy.js';
import { stringifyValue } from './stringify-value.js';
import { didYouMean } from './suggest-name.js';

/**
 * Evaluates a parsed expression. Reads only own properties of plain data (never prototypes, never
 * functions), so `constructor`, `__proto__` and the like yield null. Throws FerryError EXPR_EVAL whose
 * message names `source`.
 */
export function evaluateAst(ast: ExprNode, ctx: ExprContext, options: ExprOptions, source: string): unknown {
  try {
    return evaluateNode(ast, ctx, options);
  } catch (error) {
    if (error instanceof ExpressionEvalFailure)
      throw new FerryError('EXPR_EVAL', `${error.message} in "${source.trim()}"`);
    if (error instanceof FerryError) throw error;
    throw new FerryError('EXPR_EVAL', `${(error as Error).message} in "${source.trim()}"`, { cause: error });
  }
}

function evaluateNode(node: ExprNode, ctx: ExprContext, options: ExprOptions): unknown {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'context': {
      if (!Object.hasOwn(ctx, node.name)) {
        const names = Object.keys(ctx);
        throw new ExpressionEvalFailure(
          `unknown context "${node.name}"${didYouMean(node.name, names) || ` (contexts: ${names.join(', ')})`}`,
        );
      }
      return asData(ctx[node.name]);
    }
    case 'property':
      return readProperty(evaluateNode(node.object, ctx, options), node.name);
    case 'index':
      return readProperty(evaluateNode(node.object, ctx, options), evaluateNode(node.index, ctx, options));
    case 'not':
      return !isTruthy(evaluateNode(node.operand, ctx, options));
    case 'compare':
      return compareValues(node.op, evaluateNode(node.left, ctx, options), evaluateNode(node.right, ctx, options));
    case 'logical': {
      const left = evaluateNode(node.left, ctx, options);
      if (node.op === '&&') return isTruthy(left) ? evaluateNode(node.right, ctx, options) : left;
      return isTruthy(left) ? left : evaluateNode(node.right, ctx, options);
    }
    case 'call': {
      const fn = expressionFunctions.get(node.name.toLowerCase());
      if (!fn) throw new ExpressionEvalFailure(`unknown function "${node.name}"`);
      const args = node.args.map((arg) => evaluateNode(arg, ctx, options));
      return asData(fn.call(args, ctx, options));
    }
  }
}

/** `target.key` / `target[key]`: null for anything that is not an own property of an object or an index of an array. */
function readProperty(target: unknown, key: unknown): unknown {
  if (typeof target !== 'object' || target === null) return null;
  if (Array.isArray(target)) {
    const index = typeof key === 'number' ? key : typeof key === 'string' && /^\d+$/.test(key) ? Number(key) : NaN;
    return Number.isInteger(index) && index >= 0 && index < target.length ? asData(target[index]) : null;
  }
  const name = stringifyValue(key);
  return Object.hasOwn(target, name) ? asData((target as Record<string, unknown>)[name]) : null;
}

/** Values an expression can hold: functions, symbols and undefined become null. */
function asData(value: unknown): unknown {
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return null;
  return value;
}
