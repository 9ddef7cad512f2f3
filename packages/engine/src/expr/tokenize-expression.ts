import { ExpressionSyntaxError } from './expression-syntax-error.js';

export type Punctuator = '(' | ')' | '[' | ']' | '.' | ',' | '!' | '==' | '!=' | '<' | '<=' | '>' | '>=' | '&&' | '||';

export type Token =
  | { kind: 'number'; value: number; start: number; end: number }
  | { kind: 'string'; value: string; start: number; end: number }
  | { kind: 'name'; value: string; start: number; end: number }
  | { kind: 'punct'; value: Punctuator; start: number; end: number }
  | { kind: 'eof'; start: number; end: number };

const punctuators: readonly Punctuator[] = [
  '==',
  '!=',
  '<=',
  '>=',
  '&&',
  '||',
  '(',
  ')',
  '[',
  ']',
  '.',
  ',',
  '!',
  '<',
  '>',
];
const namePattern = /[A-Za-z_][A-Za-z0-9_-]*/y;
const numberPattern = /-?(?:0[xX][0-9a-fA-F]+|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/y;

/** Splits an expression into tokens; throws ExpressionSyntaxError at the first character it cannot read. */
export function tokenizeExpression(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i] as string;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === "'") {
      i = readString(src, i, tokens);
      continue;
    }
    numberPattern.lastIndex = i;
    const number = numberPattern.exec(src);
    if (number && (/\d/.test(ch) || ch === '-')) {
      const text = number[0];
      const value = text.startsWith('-') ? -Number(text.slice(1)) : Number(text);
      tokens.push({ kind: 'number', value, start: i, end: i + text.length });
      i += text.length;
      continue;
    }
    namePattern.lastIndex = i;
    const name = namePattern.exec(src);
    if (name) {
      tokens.push({ kind: 'name', value: name[0], start: i, end: i + name[0].length });
      i += name[0].length;
      continue;
    }
    const punct = punctuators.find((p) => src.startsWith(p, i));
    if (punct) {
      tokens.push({ kind: 'punct', value: punct, start: i, end: i + punct.length });
      i += punct.length;
      continue;
    }
    throw new ExpressionSyntaxError(unexpectedCharacter(src, i), i, src);
  }
  tokens.push({ kind: 'eof', start: src.length, end: src.length });
  return tokens;
}

function readString(src: string, start: number, tokens: Token[]): number {
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
      tokens.push({ kind: 'string', value, start, end: i + 1 });
      return i + 1;
    }
    value += ch;
    i++;
  }
  throw new ExpressionSyntaxError("unterminated string (a quote inside a string is written as '')", start, src);
}

function unexpectedCharacter(src: string, i: number): string {
  const ch = src[i] as string;
  if (ch === '"') return "strings use single quotes: 'text'";
  if (ch === '=') return 'unexpected "=" (use "==" to compare)';
  if (ch === '&' || ch === '|') return `unexpected "${ch}" (use "${ch}${ch}")`;
  if (ch === '*') return 'unexpected "*" (object filters like a.*.b are not supported)';
  return `unexpected character "${ch}"`;
}
