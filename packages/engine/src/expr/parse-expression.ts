import { ExpressionSyntaxError } from './expression-syntax-error.js';
import { expressionFunctions } from './expression-functions.js';
import type { BinaryOperator, ExprNode, LiteralValue } from './expr-types.js';
import { didYouMean, suggestName } from './suggest-name.js';
import { tokenizeExpression, type Token } from './tokenize-expression.js';

export type ParseExpressionResult = { ast: ExprNode } | { error: { message: string; offset: number } };

export interface ParseOptions {
  /**
   * The context names the expression may read (case-insensitively); any other name is a syntax error, as in
   * GitHub's parser. Without it every name parses, and reading an unknown context fails when evaluated.
   */
  contexts?: readonly string[];
}

/** Parses an expression (without the `${{ }}` wrapper). Never throws; `offset` points into `src`. */
export function parseExpression(src: string, options: ParseOptions = {}): ParseExpressionResult {
  try {
    return { ast: parseExpressionOrThrow(src, options) };
  } catch (error) {
    if (error instanceof ExpressionSyntaxError) return { error: { message: error.detail, offset: error.offset } };
    throw error;
  }
}

/** Like parseExpression, but throws ExpressionSyntaxError (an FerryError with code EXPR_SYNTAX). */
export function parseExpressionOrThrow(src: string, options: ParseOptions = {}): ExprNode {
  return new Parser(src, tokenizeExpression(src), options.contexts).parse();
}

/** GitHub's bound on nesting: groups, calls, indexes, `!`, property reads and `&&`/`||` chains each count. */
const maxDepth = 50;
/** Long `&&`, `||` and comparison chains add no depth in GitHub but make Ferry's binary tree deeper. */
const maxTreeDepth = 512;

/** The first node found deeper than `max` in the tree, walked without recursion. */
function deepestNode(root: ExprNode, max: number): ExprNode | undefined {
  const stack: [ExprNode, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [ExprNode, number];
    if (depth > max) return node;
    switch (node.kind) {
      case 'property':
        stack.push([node.object, depth + 1]);
        break;
      case 'index':
        stack.push([node.object, depth + 1], [node.index, depth + 1]);
        break;
      case 'filter':
        stack.push([node.object, depth + 1]);
        break;
      case 'not':
        stack.push([node.operand, depth + 1]);
        break;
      case 'compare':
      case 'logical':
        stack.push([node.left, depth + 1], [node.right, depth + 1]);
        break;
      case 'call':
        for (const arg of node.args) stack.push([arg, depth + 1]);
        break;
      default:
        break;
    }
  }
  return undefined;
}

const keywords: Record<string, LiteralValue> = { true: true, false: false, null: null, NaN: NaN, Infinity: Infinity };
const comparisons: readonly string[] = ['<', '<=', '>', '>='];

/**
 * Recursive descent after GitHub's parser, loosest first: `||`, `&&`, `== !=`, `< <= > >=`, `!`, then `.`/`[]`
 * (only after a context, a call or parentheses) and primaries.
 */
class Parser {
  private pos = 0;
  private depth = 0;
  private readonly knownContexts: ReadonlySet<string> | undefined;

  constructor(
    private readonly src: string,
    private readonly tokens: Token[],
    private readonly contexts: readonly string[] | undefined,
  ) {
    this.knownContexts = contexts && new Set(contexts.map((name) => name.toLowerCase()));
  }

  parse(): ExprNode {
    if (this.peek().kind === 'eof') this.fail('empty expression', 0);
    const node = this.expression();
    const next = this.peek();
    if (next.kind !== 'eof') this.fail(`unexpected ${describe(next)} after a complete expression`, next.start);
    // Chains (`a && b && …`, `a == b == …`) are parsed in loops but make trees as deep as they are long; every
    // walk of the tree (checks, evaluation) recurses, so their depth is bounded here.
    const deepest = deepestNode(node, maxTreeDepth);
    if (deepest) this.fail(`expression nests too deeply (over ${maxTreeDepth} operators in a chain)`, deepest.start);
    return node;
  }

  private expression(): ExprNode {
    this.enter();
    const node = this.logicalOr();
    this.depth--;
    return node;
  }

  private logicalOr(): ExprNode {
    let left = this.logicalAnd();
    if (!this.isPunct('||')) return left;
    this.enter();
    while (this.isPunct('||')) {
      this.pos++;
      const right = this.logicalAnd();
      left = { kind: 'logical', op: '||', left, right, start: left.start, end: right.end };
    }
    this.depth--;
    return left;
  }

  private logicalAnd(): ExprNode {
    let left = this.equality();
    if (!this.isPunct('&&')) return left;
    this.enter();
    while (this.isPunct('&&')) {
      this.pos++;
      const right = this.equality();
      left = { kind: 'logical', op: '&&', left, right, start: left.start, end: right.end };
    }
    this.depth--;
    return left;
  }

  private equality(): ExprNode {
    let left = this.comparison();
    while (this.isPunct('==') || this.isPunct('!=')) {
      const op: BinaryOperator = this.isPunct('==') ? '==' : '!=';
      this.pos++;
      const right = this.comparison();
      left = { kind: 'compare', op, left, right, start: left.start, end: right.end };
    }
    return left;
  }

  private comparison(): ExprNode {
    let left = this.unary();
    for (let token = this.peek(); token.kind === 'punct' && comparisons.includes(token.value); token = this.peek()) {
      this.pos++;
      const right = this.unary();
      left = { kind: 'compare', op: token.value as BinaryOperator, left, right, start: left.start, end: right.end };
    }
    return left;
  }

  private unary(): ExprNode {
    const token = this.peek();
    if (token.kind === 'punct' && token.value === '!') {
      this.pos++;
      this.enter();
      const operand = this.unary();
      this.depth--;
      return { kind: 'not', operand, start: token.start, end: operand.end };
    }
    return this.postfix();
  }

  private postfix(): ExprNode {
    const first = this.primary();
    if (!first.accessible) return first.node;
    let node = first.node;
    let levels = 0;
    for (;;) {
      if (this.isPunct('[')) {
        this.pos++;
        const star = this.isPunct('*');
        if (star) this.pos++;
        const index = star ? undefined : this.expression();
        const close = this.expectPunct(']', 'to close "["');
        this.enter();
        levels++;
        node = index
          ? { kind: 'index', object: node, index, start: node.start, end: close.end }
          : { kind: 'filter', object: node, start: node.start, end: close.end };
      } else if (this.isPunct('.')) {
        this.pos++;
        this.enter();
        levels++;
        const name = this.next();
        if (name.kind === 'name') {
          node = { kind: 'property', object: node, name: name.value, start: node.start, end: name.end };
        } else if (name.kind === 'punct' && name.value === '*') {
          node = { kind: 'filter', object: node, start: node.start, end: name.end };
        } else {
          this.failAt(name, `expected a property name or "*" after ".", got ${describe(name)}`);
        }
      } else {
        this.depth -= levels;
        return node;
      }
    }
  }

  /** A primary, and whether `.`/`[]` may follow it (GitHub allows them only after a context, a call or a group). */
  private primary(): { node: ExprNode; accessible: boolean } {
    const token = this.next();
    switch (token.kind) {
      case 'number':
      case 'string':
        return { node: { kind: 'literal', value: token.value, ...span(token) }, accessible: false };
      case 'name':
        if (Object.hasOwn(keywords, token.value)) {
          const value = keywords[token.value] as LiteralValue;
          return { node: { kind: 'literal', value, ...span(token) }, accessible: false };
        }
        if (this.isPunct('(')) return { node: this.call(token), accessible: true };
        if (this.contexts && !this.knownContexts?.has(token.value.toLowerCase())) {
          const names = this.contexts;
          this.fail(
            `unknown context "${token.value}"${didYouMean(token.value, names) || ` (contexts: ${names.join(', ')})`}`,
            token.start,
          );
        }
        return { node: { kind: 'context', name: token.value, ...span(token) }, accessible: true };
      case 'punct':
        if (token.value === '(') {
          const inner = this.expression();
          const close = this.expectPunct(')', 'to close "("');
          return { node: { ...inner, start: token.start, end: close.end }, accessible: true };
        }
        break;
      case 'eof':
        break;
    }
    const previous = this.tokens[token.kind === 'eof' ? this.pos - 1 : this.pos - 2];
    const after = previous && previous.kind === 'punct' ? ` after "${previous.value}"` : '';
    return this.failAt(token, `expected a value${after}, got ${describe(token)}`);
  }

  private call(nameToken: Extract<Token, { kind: 'name' }>): ExprNode {
    this.pos++;
    const args: ExprNode[] = [];
    // As in GitHub's parser, a trailing comma before ")" is allowed.
    while (!this.isPunct(')')) {
      args.push(this.expression());
      if (!this.isPunct(')')) this.expectPunct(',', 'or ")" after an argument');
    }
    const close = this.next();
    const fn = expressionFunctions.get(nameToken.value.toLowerCase());
    if (!fn) {
      const names = [...expressionFunctions.values()].map((f) => f.name);
      const suggestion = suggestName(nameToken.value, names);
      const hint = suggestion ? ` (did you mean "${suggestion}"?)` : ` (known: ${names.join(', ')})`;
      this.fail(`unknown function "${nameToken.value}"${hint}`, nameToken.start);
    }
    if (args.length < fn.minArgs || args.length > fn.maxArgs) {
      const expected =
        fn.minArgs === fn.maxArgs
          ? `${fn.minArgs}`
          : fn.maxArgs === Infinity
            ? `at least ${fn.minArgs}`
            : fn.maxArgs === fn.minArgs + 1
              ? `${fn.minArgs} or ${fn.maxArgs}`
              : `${fn.minArgs} to ${fn.maxArgs}`;
      const noun = fn.minArgs === 1 && (fn.maxArgs === 1 || fn.maxArgs === Infinity) ? 'argument' : 'arguments';
      this.fail(`${fn.name}() takes ${expected} ${noun}, got ${args.length}`, nameToken.start);
    }
    if (fn.oddArgs && args.length % 2 === 0)
      this.fail(`${fn.name}() takes an odd number of arguments, got ${args.length}`, nameToken.start);
    return { kind: 'call', name: fn.name, args, start: nameToken.start, end: close.end };
  }

  private enter(): void {
    if (++this.depth > maxDepth)
      this.failAt(this.peek(), `expression nests too deeply (over ${maxDepth} levels, as in GitHub)`);
  }

  private peek(): Token {
    return this.tokens[this.pos] as Token;
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== 'eof') this.pos++;
    return token;
  }

  private isPunct(value: string): boolean {
    const token = this.peek();
    return token.kind === 'punct' && token.value === value;
  }

  private expectPunct(value: string, why: string): Token {
    const token = this.peek();
    if (token.kind !== 'punct' || token.value !== value)
      this.failAt(token, `expected "${value}" ${why}, got ${describe(token)}`);
    this.pos++;
    return token;
  }

  /** Fails at `token`; at the end of the expression, that is its end (GitHub points at the last token instead). */
  private failAt(token: Token, message: string): never {
    return this.fail(message, token.start);
  }

  private fail(message: string, offset: number): never {
    throw new ExpressionSyntaxError(message, offset, this.src);
  }
}

function span(token: Token): { start: number; end: number } {
  return { start: token.start, end: token.end };
}

function describe(token: Token): string {
  switch (token.kind) {
    case 'eof':
      return 'end of expression';
    case 'string':
      return `'${token.value}'`;
    case 'number':
      return String(token.value);
    default:
      return `"${token.value}"`;
  }
}
