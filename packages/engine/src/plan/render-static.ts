import {
  callsStatusFunction,
  evaluateExpression,
  findTemplateExpressions,
  referencedContexts,
  stringifyValue,
} from '../expr/index.js';
import type { ExprContext } from '../expr/index.js';

/** Contexts known when planning; anything else (jobs, secrets) waits for run time. */
export const staticContexts: ReadonlySet<string> = new Set(['git', 'env', 'matrix', 'run']);

/** `deferred` names static contexts to leave for run time all the same. */
export function isStatic(expression: string, deferred: ReadonlySet<string> = noContexts): boolean {
  if (callsStatusFunction(expression)) return false;
  return [...referencedContexts(expression)].every((name) => staticContexts.has(name) && !deferred.has(name));
}

const noContexts: ReadonlySet<string> = new Set();

/**
 * Replaces each `${{ }}` whose inputs are all known at plan time (and not `deferred`) with its value and leaves the
 * others for the scheduler, so a plan shows concrete commands wherever it can. Throws FerryError on a bad expression.
 */
export function renderStatic(text: string, ctx: ExprContext, deferred: ReadonlySet<string> = noContexts): string {
  const found = findTemplateExpressions(text);
  if (found.length === 0) return text;
  let out = '';
  let last = 0;
  for (const { src, start, end } of found) {
    out += text.slice(last, start);
    out += isStatic(src, deferred) ? stringifyValue(evaluateExpression(src, ctx)) : text.slice(start, end);
    last = end;
  }
  return out + text.slice(last);
}

/** Strips a `${{ }}` wrapper around a whole condition. */
export function conditionSource(condition: string): string {
  const match = /^\s*\$\{\{([\s\S]*)\}\}\s*$/.exec(condition);
  return (match?.[1] ?? condition).trim();
}
