import { rewriteText, type ExpressionScope } from './github-expressions.js';

/** Env values as Ferry takes them: scalars, expressions rewritten. */
export function translateEnv(
  env: unknown,
  scope: ExpressionScope,
): Record<string, string | number | boolean> | undefined {
  if (typeof env !== 'object' || env === null || Array.isArray(env)) return undefined;
  const out: Record<string, string | number | boolean> = {};
  for (const [name, value] of Object.entries(env)) {
    if (typeof value === 'number' || typeof value === 'boolean') out[name] = value;
    else if (value === null || value === undefined) out[name] = '';
    else out[name] = rewriteText(typeof value === 'string' ? value : JSON.stringify(value), scope);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
