import { ExpressionSyntaxError } from './expression-syntax-error.js';
import { expressionFunctions } from './expression-functions.js';
import type { BinaryOperator, ExprNode, LiteralValue } from './expr-types.js';
import { suggestName } from './suggest-name.js';
import { tokenizeExpression, type Token } from './tokenize-expression.js';

export type ParseExpressionResult = { ast: ExprNode } | { error: { message: string; offset: number } };

/** Parses an expression (without the `${{ }}` wrapper). Never throws; `offset` points into `src`. */
export function parseExpression(src: string): ParseExpressionResult {
  try {
    return { ast: parseExpressionOrThrow(src) };
  } catch (error) {
    if (error instanceof ExpressionSyntaxError) return { error: { message: error.detail, offset: error.offset } };
    throw error;
  }
}

/** Like parseExpression, but throws ExpressionSyntaxError (an FerryError with code EXPR_SYNTAX). */
export function parseExpressionOrThrow(src: string): ExprNode {
  return new Parser(src, tokenizeExpression(src)).parse();
}

const maxDepth = 64;
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

/** Recursive descent, loosest first: `||`, `&&`, `== !=`, `< <= > >=`, `!`, then `.`/`[]` and primaries. */
class Parser {
  private pos = 0;
  private depth = 0;

  constructor(
    private readonly src: string,
    private readonly tokens: Token[],
  ) {}

  parse(): ExprNode {
    if (this.peek().kind === 'eof') this.fail('empty expression', 0);
    const node = this.logicalOr();
    const next = this.peek();
    if (next.kind !== 'eof') this.fail(`unexpected ${describe(next)} after a complete expression`, next.start);
    // Chains (`a && b && …`, `a.b.c…`) are parsed in loops but make trees as deep as they are long; every walk of
    // the tree (checks, evaluation) recurses, so their depth is bounded here.
    const deepest = deepestNode(node, maxTreeDepth);
    if (deepest)
      this.fail(
        `expression nests too deeply (over ${maxTreeDepth} operators, properties or indexes in a chain)`,
        deepest.start,
      );
    return node;
  }

  private logicalOr(): ExprNode {
    this.enter();
    let left = this.logicalAnd();
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
    while (this.isPunct('&&')) {
      this.pos++;
      const right = this.equality();
      left = { kind: 'logical', op: '&&', left, right, start: left.start, end: right.end };
    }
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
    let node = this.primary();
    for (;;) {
      if (this.isPunct('.')) {
        this.pos++;
        const name = this.next();
        if (name.kind !== 'name') this.fail(`expected a property name after ".", got ${describe(name)}`, name.start);
        node = { kind: 'property', object: node, name: name.value, start: node.start, end: name.end };
      } else if (this.isPunct('[')) {
        this.pos++;
        const index = this.logicalOr();
        const close = this.expectPunct(']', 'to close "["');
        node = { kind: 'index', object: node, index, start: node.start, end: close.end };
      } else {
        return node;
      }
    }
  }

  private primary(): ExprNode {
    const index = this.pos;
    const token = this.next();
    switch (token.kind) {
      case 'number':
      case 'string':
        return { kind: 'literal', value: token.value, start: token.start, end: token.end };
      case 'name':
        if (this.isPunct('(')) return this.call(token);
        if (Object.hasOwn(keywords, token.value)) {
          return { kind: 'literal', value: keywords[token.value] as LiteralValue, start: token.start, end: token.end };
        }
        return { kind: 'context', name: token.value, start: token.start, end: token.end };
      case 'punct':
        if (token.value === '(') {
          const inner = this.logicalOr();
          const close = this.expectPunct(')', 'to close "("');
          return { ...inner, start: token.start, end: close.end };
        }
        break;
      case 'eof':
        break;
    }
    const previous = this.tokens[index - 1];
    const after = previous && previous.kind === 'punct' ? ` after "${previous.value}"` : '';
    return this.fail(`expected a value${after}, got ${describe(token)}`, token.start);
  }

  private call(nameToken: Extract<Token, { kind: 'name' }>): ExprNode {
    const fn = expressionFunctions.get(nameToken.value.toLowerCase());
    if (!fn) {
      const names = [...expressionFunctions.values()].map((f) => f.name);
      const suggestion = suggestName(nameToken.value, names);
      const hint = suggestion ? ` (did you mean "${suggestion}"?)` : ` (known: ${names.join(', ')})`;
      this.fail(`unknown function "${nameToken.value}"${hint}`, nameToken.start);
    }
    this.pos++;
    const args: ExprNode[] = [];
    if (!this.isPunct(')')) {
      args.push(this.logicalOr());
      while (this.isPunct(',')) {
        this.pos++;
        args.push(this.logicalOr());
      }
    }
    const close = this.expectPunct(')', `to close the call of ${fn.name}`);
    if (args.length < fn.minArgs || args.length > fn.maxArgs) {
      const expected =
        fn.minArgs === fn.maxArgs
          ? `${fn.minArgs}`
          : fn.maxArgs === Infinity
            ? `at least ${fn.minArgs}`
            : `${fn.minArgs} or ${fn.maxArgs}`;
      const noun = fn.minArgs === 1 && (fn.maxArgs === 1 || fn.maxArgs === Infinity) ? 'argument' : 'arguments';
      this.fail(`${fn.name}() takes ${expected} ${noun}, got ${args.length}`, nameToken.start);
    }
    return { kind: 'call', name: fn.name, args, start: nameToken.start, end: close.end };
  }

  private enter(): void {
    if (++this.depth > maxDepth) this.fail('expression nests too deeply', this.peek().start);
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
      this.fail(`expected "${value}" ${why}, got ${describe(token)}`, token.start);
    this.pos++;
    return token;
  }

  private fail(message: string, offset: number): never {
    throw new ExpressionSyntaxError(message, offset, this.src);
  }
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
