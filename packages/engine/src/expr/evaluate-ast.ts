import { FerryError } from '../errors.js';
import { ExpressionEvalFailure, expressionFunctions } from './expression-functions.js';
import type { ExprContext, ExprNode, ExprOptions } from './expr-types.js';
import { coerceString } from './coerce-string.js';
import { compareValues, toNumber } from './compare-values.js';
import { isTruthy } from './is-truthy.js';
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
      const key = findKey(ctx, node.name);
      if (key === undefined) {
        const names = Object.keys(ctx);
        throw new ExpressionEvalFailure(
          `unknown context "${node.name}"${didYouMean(node.name, names) || ` (contexts: ${names.join(', ')})`}`,
        );
      }
      return asData(ctx[key]);
    }
    case 'property':
      return readIndex(evaluateNode(node.object, ctx, options), node.name);
    case 'index': {
      const index = evaluateNode(node.index, ctx, options);
      return readIndex(evaluateNode(node.object, ctx, options), index);
    }
    case 'filter':
      return readIndex(evaluateNode(node.object, ctx, options), star);
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

/** The `*` of `a.*` / `a[*]`. */
const star = Symbol('*');

/**
 * The result of an object filter (`a.*`, `a[*]`). Reading from it reads from each element and keeps what is
 * found, still as a filtered array: `a.*.b` is the `b` of every value of `a`, `a.*.*` flattens one level.
 */
class FilteredArray extends Array<unknown> {}

/**
 * `target.key`, `target[key]` or `target.*` as GitHub reads them: properties by name ignoring case (the first
 * matching key wins), array elements by a non-negative number (truncated; '1' and true count as numbers);
 * anything else is null, or an empty filtered array for `*`.
 */
function readIndex(target: unknown, key: unknown): unknown {
  if (target instanceof FilteredArray) {
    const out = new FilteredArray();
    for (const item of target) {
      if (typeof item !== 'object' || item === null) continue;
      if (key === star) {
        for (const value of valuesOf(item)) out.push(value);
      } else {
        const found = readOne(item, key);
        if (found !== missing) out.push(found);
      }
    }
    return out;
  }
  if (typeof target !== 'object' || target === null) return key === star ? new FilteredArray() : null;
  if (key === star) {
    const out = new FilteredArray();
    for (const value of valuesOf(target)) out.push(value);
    return out;
  }
  const found = readOne(target, key);
  return found === missing ? null : found;
}

const missing = Symbol('missing');

function valuesOf(target: object): unknown[] {
  const values: unknown[] = Array.isArray(target)
    ? target
    : Object.keys(target).map((key) => (target as Record<string, unknown>)[key]);
  return values.map(asData);
}

function readOne(target: object, key: unknown): unknown {
  if (Array.isArray(target)) {
    const index = Math.floor(toNumber(key));
    const usable = typeof key !== 'object' || key === null;
    return usable && Number.isFinite(index) && index >= 0 && index < target.length ? asData(target[index]) : missing;
  }
  if (typeof key === 'object' && key !== null) return missing;
  const name = findKey(target, coerceString(key));
  return name === undefined ? missing : asData((target as Record<string, unknown>)[name]);
}

/** The first own key of `target` that equals `name` ignoring case. */
function findKey(target: object, name: string): string | undefined {
  const lower = name.toLowerCase();
  return Object.keys(target).find((key) => key.toLowerCase() === lower);
}

/** Values an expression can hold: functions, symbols and undefined become null. */
function asData(value: unknown): unknown {
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return null;
  return value;
}
