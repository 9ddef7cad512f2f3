import { ExpressionSyntaxError } from './expression-syntax-error.js';

export type Punctuator =
  '(' | ')' | '[' | ']' | '.' | ',' | '*' | '!' | '==' | '!=' | '<' | '<=' | '>' | '>=' | '&&' | '||';

export type Token =
  | { kind: 'number'; value: number; start: number; end: number }
  | { kind: 'string'; value: string; start: number; end: number }
  | { kind: 'name'; value: string; start: number; end: number }
  | { kind: 'punct'; value: Punctuator; start: number; end: number }
  | { kind: 'eof'; start: number; end: number };

const single: Readonly<Record<string, Punctuator>> = { '(': '(', ')': ')', '[': '[', ']': ']', ',': ',', '*': '*' };
const legalName = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** Characters that end a number or a name (GitHub's lexer boundaries). */
function isBoundary(ch: string): boolean {
  return '()[],.!><=&|'.includes(ch) || /\s/.test(ch);
}

/**
 * Splits an expression into tokens the way GitHub's lexer does: a number or a name runs to the next boundary
 * character and must then be entirely valid (`1-1`, `0x1g` and `a/b` are errors, not two tokens); a number is
 * whatever JavaScript's Number() reads (`0xff`, `0o17`, `1e3`, `-Infinity`, `.5`). Throws ExpressionSyntaxError
 * at the first token it cannot read.
 */
export function tokenizeExpression(src: string): Token[] {
  const tokens: Token[] = [];
  const push = (token: Token): void => void tokens.push(token);
  let i = 0;
  while (i < src.length) {
    const start = i;
    const ch = src[i] as string;
    const next = src[i + 1];
    const previous = tokens[tokens.length - 1];
    if (ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n') {
      i++;
    } else if (single[ch]) {
      push({ kind: 'punct', value: single[ch], start, end: ++i });
    } else if (ch === '.' && previous && isPropertyBase(previous)) {
      push({ kind: 'punct', value: '.', start, end: ++i });
    } else if (ch === '.' || ch === '-' || ch === '+' || (ch >= '0' && ch <= '9')) {
      i = readNumber(src, start, push);
    } else if (ch === '!' || ch === '<' || ch === '>') {
      const value = (next === '=' ? `${ch}=` : ch) as Punctuator;
      i += value.length;
      push({ kind: 'punct', value, start, end: i });
    } else if ((ch === '=' || ch === '&' || ch === '|') && next === ch) {
      i += 2;
      push({ kind: 'punct', value: `${ch}${ch}` as Punctuator, start, end: i });
    } else if (ch === "'") {
      i = readString(src, start, push);
    } else {
      i = readName(src, start, push);
    }
  }
  tokens.push({ kind: 'eof', start: src.length, end: src.length });
  return tokens;
}

/** A `.` after these is a property access; anywhere else it starts a number (`.5`). */
function isPropertyBase(token: Token): boolean {
  if (token.kind === 'name') return true;
  return token.kind === 'punct' && (token.value === ']' || token.value === ')' || token.value === '*');
}

function wordEnd(src: string, start: number, allowDot: boolean): number {
  let i = start + 1;
  while (i < src.length && (!isBoundary(src[i] as string) || (allowDot && src[i] === '.'))) i++;
  return i;
}

function readNumber(src: string, start: number, push: (token: Token) => void): number {
  const end = wordEnd(src, start, true);
  const text = src.slice(start, end);
  const value = Number(text);
  if (Number.isNaN(value)) {
    const message = /^[-+]?\.?\d/.test(text) ? `"${text}" is not a number` : unexpectedText(text);
    throw new ExpressionSyntaxError(message, start, src);
  }
  push({ kind: 'number', value, start, end });
  return end;
}

function readName(src: string, start: number, push: (token: Token) => void): number {
  const end = wordEnd(src, start, false);
  const text = src.slice(start, end);
  if (!legalName.test(text)) throw new ExpressionSyntaxError(unexpectedText(text), start, src);
  push({ kind: 'name', value: text, start, end });
  return end;
}

function readString(src: string, start: number, push: (token: Token) => void): number {
  let value = '';
  let i = start + 1;
  while (i < src.length) {
    const ch = src[i] as string;
    if (ch === "'") {
      if (src[i + 1] === "'") {
        value += "'";
        i += 2;
        continue;
      }
      push({ kind: 'string', value, start, end: i + 1 });
      return i + 1;
    }
    value += ch;
    i++;
  }
  throw new ExpressionSyntaxError("unterminated string (a quote inside a string is written as '')", start, src);
}

function unexpectedText(text: string): string {
  const ch = text.slice(0, 1);
  if (ch === '"') return "strings use single quotes: 'text'";
  if (ch === '=') return 'unexpected "=" (use "==" to compare)';
  if (ch === '&' || ch === '|') return `unexpected "${ch}" (use "${ch}${ch}")`;
  if (ch === '.') return `unexpected "${text}" (properties are read from a context, a call or parentheses)`;
  return `unexpected "${text}"`;
}
