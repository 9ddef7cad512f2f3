import { looseEquals } from './compare-values.js';
import type { ExprContext, ExprOptions } from './expr-types.js';
import { stringifyValue } from './stringify-value.js';

/** A failure inside a function or property read; the evaluator turns it into EXPR_EVAL naming the expression. */
export class ExpressionEvalFailure extends Error {}

export interface ExpressionFunction {
  name: string;
  minArgs: number;
  maxArgs: number;
  call(args: unknown[], ctx: ExprContext, options: ExprOptions): unknown;
}

const defineFunction = (fn: ExpressionFunction): [string, ExpressionFunction] => [fn.name.toLowerCase(), fn];

function statusOf(ctx: ExprContext): unknown {
  return Object.hasOwn(ctx, 'status') ? ctx.status : undefined;
}

/** Built-in functions, keyed by lower-case name (calls are case-insensitive, like GitHub's). */
export const expressionFunctions: ReadonlyMap<string, ExpressionFunction> = new Map([
  defineFunction({
    name: 'contains',
    minArgs: 2,
    maxArgs: 2,
    call: ([search, item]) =>
      Array.isArray(search)
        ? search.some((element) => looseEquals(element, item))
        : stringifyValue(search).toUpperCase().includes(stringifyValue(item).toUpperCase()),
  }),
  defineFunction({
    name: 'startsWith',
    minArgs: 2,
    maxArgs: 2,
    call: ([text, prefix]) => stringifyValue(text).toUpperCase().startsWith(stringifyValue(prefix).toUpperCase()),
  }),
  defineFunction({
    name: 'endsWith',
    minArgs: 2,
    maxArgs: 2,
    call: ([text, suffix]) => stringifyValue(text).toUpperCase().endsWith(stringifyValue(suffix).toUpperCase()),
  }),
  defineFunction({
    name: 'format',
    minArgs: 1,
    maxArgs: Infinity,
    call: ([fmt, ...args]) => format(stringifyValue(fmt), args),
  }),
  defineFunction({
    name: 'join',
    minArgs: 1,
    maxArgs: 2,
    call: ([value, separator]) =>
      bounded(
        'join',
        Array.isArray(value)
          ? value.map(stringifyValue).join(separator === undefined ? ',' : stringifyValue(separator))
          : stringifyValue(value),
      ),
  }),
  defineFunction({ name: 'toJSON', minArgs: 1, maxArgs: 1, call: ([value]) => toJson(value) }),
  defineFunction({ name: 'fromJSON', minArgs: 1, maxArgs: 1, call: ([text]) => fromJson(stringifyValue(text)) }),
  defineFunction({
    name: 'success',
    minArgs: 0,
    maxArgs: 0,
    call: (_, ctx) => (statusOf(ctx) ?? 'success') === 'success',
  }),
  defineFunction({ name: 'failure', minArgs: 0, maxArgs: 0, call: (_, ctx) => statusOf(ctx) === 'failure' }),
  defineFunction({ name: 'cancelled', minArgs: 0, maxArgs: 0, call: (_, ctx) => statusOf(ctx) === 'cancelled' }),
  defineFunction({ name: 'always', minArgs: 0, maxArgs: 0, call: () => true }),
  defineFunction({
    name: 'hashFiles',
    minArgs: 1,
    maxArgs: Infinity,
    call: (globs, _, options) => {
      if (!options.hashFiles) throw new ExpressionEvalFailure('hashFiles is not available here');
      return options.hashFiles(globs.map(stringifyValue));
    },
  }),
]);

/** Functions whose result depends on the job status, i.e. that can only be decided at run time. */
export const statusFunctions: ReadonlySet<string> = new Set(['success', 'failure', 'cancelled']);

/** The longest string an expression function makes (nested format() calls could otherwise grow past memory). */
export const maxResultLength = 1024 * 1024;

function bounded(name: string, text: string): string {
  if (text.length > maxResultLength)
    throw new ExpressionEvalFailure(`${name}: the result is over ${maxResultLength / 1024 / 1024} MB of text`);
  return text;
}

function format(fmt: string, args: unknown[]): string {
  let out = '';
  let i = 0;
  while (i < fmt.length) {
    if (out.length > maxResultLength) return bounded('format', out);
    const ch = fmt[i] as string;
    if (ch === '{' && fmt[i + 1] === '{') {
      out += '{';
      i += 2;
    } else if (ch === '}' && fmt[i + 1] === '}') {
      out += '}';
      i += 2;
    } else if (ch === '{') {
      const close = fmt.indexOf('}', i);
      const index = close < 0 ? '' : fmt.slice(i + 1, close);
      if (!/^\d+$/.test(index)) {
        throw new ExpressionEvalFailure(`format: "{" must start a placeholder like {0} (write "{{" for a literal "{")`);
      }
      const n = Number(index);
      if (n >= args.length)
        throw new ExpressionEvalFailure(`format: placeholder {${n}} has no argument (${args.length} given)`);
      out += stringifyValue(args[n]);
      if (out.length > maxResultLength) return bounded('format', out);
      i = close + 1;
    } else if (ch === '}') {
      throw new ExpressionEvalFailure(`format: unmatched "}" (write "}}" for a literal "}")`);
    } else {
      out += ch;
      i++;
    }
  }
  return out;
}

function toJson(value: unknown): string {
  try {
    return bounded('toJSON', JSON.stringify(value ?? null, null, 2) ?? 'null');
  } catch (error) {
    throw new ExpressionEvalFailure(`toJSON: ${(error as Error).message}`);
  }
}

function fromJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    // Node's message quotes the input, which may come from a secret: say where it broke, never what it holds.
    const position = /position (\d+)/.exec((error as Error).message)?.[1];
    throw new ExpressionEvalFailure(
      `fromJSON: invalid JSON (${text.length} characters${position ? `, broken at position ${position}` : ''})`,
    );
  }
}
