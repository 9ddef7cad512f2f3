import { coerceString } from './coerce-string.js';
import { looseEquals, upperSpecial } from './compare-values.js';
import type { ExprContext, ExprOptions } from './expr-types.js';
import { kindOf } from './kind-of.js';

/** A failure inside a function or property read; the evaluator turns it into EXPR_EVAL naming the expression. */
export class ExpressionEvalFailure extends Error {}

export interface ExpressionFunction {
  name: string;
  minArgs: number;
  maxArgs: number;
  /** Whether the number of arguments must be odd (case: pairs and a default). */
  oddArgs?: boolean;
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
    call: ([search, item]) => {
      if (Array.isArray(search)) return search.some((element) => looseEquals(item, element));
      if (!isPrimitive(search) || !isPrimitive(item)) return false;
      return coerceString(search).toLowerCase().includes(coerceString(item).toLowerCase());
    },
  }),
  defineFunction({
    name: 'startsWith',
    minArgs: 2,
    maxArgs: 2,
    call: ([text, prefix]) =>
      isPrimitive(text) &&
      isPrimitive(prefix) &&
      upperSpecial(coerceString(text)).startsWith(upperSpecial(coerceString(prefix))),
  }),
  defineFunction({
    name: 'endsWith',
    minArgs: 2,
    maxArgs: 2,
    call: ([text, suffix]) =>
      isPrimitive(text) &&
      isPrimitive(suffix) &&
      upperSpecial(coerceString(text)).endsWith(upperSpecial(coerceString(suffix))),
  }),
  defineFunction({
    name: 'format',
    minArgs: 1,
    maxArgs: 255,
    call: ([fmt, ...args]) => formatText(coerceString(fmt), args),
  }),
  defineFunction({
    name: 'join',
    minArgs: 1,
    maxArgs: 2,
    call: ([value, separator]) => {
      if (isPrimitive(value)) return coerceString(value);
      if (!Array.isArray(value)) return '';
      const glue = separator !== undefined && isPrimitive(separator) ? coerceString(separator) : ',';
      return bounded('join', value.map(coerceString).join(glue));
    },
  }),
  defineFunction({
    name: 'case',
    minArgs: 3,
    maxArgs: Infinity,
    oddArgs: true,
    call: (args) => {
      for (let i = 0; i + 1 < args.length; i += 2) {
        const predicate = args[i];
        if (typeof predicate !== 'boolean')
          throw new ExpressionEvalFailure(`case: predicate ${i / 2 + 1} is ${kindOf(predicate)}, not a boolean`);
        if (predicate) return args[i + 1];
      }
      return args[args.length - 1];
    },
  }),
  defineFunction({ name: 'toJSON', minArgs: 1, maxArgs: 1, call: ([value]) => toJson(value) }),
  defineFunction({ name: 'fromJSON', minArgs: 1, maxArgs: 1, call: ([text]) => fromJson(coerceString(text)) }),
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
      return options.hashFiles(globs.map(coerceString));
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

/** GitHub's format(): `{N}` (digits, then anything up to "}") is argument N; `{{` and `}}` are literal braces. */
function formatText(fmt: string, args: unknown[]): string {
  let out = '';
  let index = 0;
  while (index < fmt.length) {
    if (out.length > maxResultLength) return bounded('format', out);
    const left = fmt.indexOf('{', index);
    const right = fmt.indexOf('}', index);
    if (left >= 0 && (right < 0 || right > left)) {
      if (fmt[left + 1] === '{') {
        out += fmt.slice(index, left + 1);
        index = left + 2;
        continue;
      }
      const digits = /^\d+/.exec(fmt.slice(left + 1, right))?.[0];
      if (right < 0 || digits === undefined)
        throw new ExpressionEvalFailure(`format: "{" must start a placeholder like {0} (write "{{" for a literal "{")`);
      const n = Number(digits);
      if (n >= args.length)
        throw new ExpressionEvalFailure(`format: placeholder {${n}} has no argument (${args.length} given)`);
      out += fmt.slice(index, left) + coerceString(args[n]);
      index = right + 1;
    } else if (right >= 0) {
      if (fmt[right + 1] !== '}')
        throw new ExpressionEvalFailure(`format: unmatched "}" (write "}}" for a literal "}")`);
      out += fmt.slice(index, right + 1);
      index = right + 2;
    } else {
      out += fmt.slice(index);
      break;
    }
  }
  return bounded('format', out);
}

function isPrimitive(value: unknown): boolean {
  return typeof value !== 'object' || value === null;
}

function toJson(value: unknown): string {
  try {
    return bounded('toJSON', JSON.stringify(value ?? null, null, 2) ?? 'null');
  } catch (error) {
    throw new ExpressionEvalFailure(`toJSON: ${(error as Error).message}`);
  }
}

function fromJson(text: string): unknown {
  if (text.trim() === '') throw new ExpressionEvalFailure('fromJSON: the input is empty');
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
