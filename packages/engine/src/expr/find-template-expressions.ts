import { ExpressionSyntaxError } from './expression-syntax-error.js';

export interface TemplateExpression {
  /** The expression between `${{` and `}}`, untrimmed. */
  src: string;
  /** Offset of `$` in the text. */
  start: number;
  /** Offset just past the closing `}}`. */
  end: number;
}

/**
 * Locates every `${{ … }}` in `text`. A `}}` inside a quoted string literal does not close the expression.
 * Throws ExpressionSyntaxError (offset into `text`) for a `${{` that is never closed.
 */
export function findTemplateExpressions(text: string): TemplateExpression[] {
  const found: TemplateExpression[] = [];
  let from = 0;
  for (let start = text.indexOf('${{', from); start >= 0; start = text.indexOf('${{', from)) {
    let inString = false;
    let end = -1;
    for (let i = start + 3; i < text.length; i++) {
      if (text[i] === "'") inString = !inString;
      else if (!inString && text[i] === '}' && text[i + 1] === '}') {
        end = i + 2;
        break;
      }
    }
    if (end < 0) {
      const why = inString ? 'a string in it is not closed' : 'missing "}}"';
      throw new ExpressionSyntaxError(`unterminated "\${{" (${why})`, start, text);
    }
    found.push({ src: text.slice(start + 3, end - 2), start, end });
    from = end;
  }
  return found;
}
