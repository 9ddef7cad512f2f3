/** A piece of a log line and the ANSI style it is shown in. */
export interface AnsiSpan {
  text: string;
  /** CSS classes: `ansi-fg-<0..15>`, `ansi-bg-<0..15>`, `ansi-bold`, `ansi-dim`, `ansi-italic`, `ansi-underline`. */
  classes: string[];
  /** A 256-colour or true-colour foreground/background, as CSS. */
  style?: string;
}

interface Style {
  fg?: number | string;
  bg?: number | string;
  bold?: boolean;
  dim?: boolean;
  italic?: boolean;
  underline?: boolean;
}

// eslint-disable-next-line no-control-regex -- ANSI escapes are what is parsed
const escape = /\u001b\[([0-9;:]*)([A-Za-z])/g;

/** xterm's 256-colour palette beyond the 16 named ones: a 6×6×6 cube, then 24 greys. */
function color256(n: number): number | string {
  if (n < 16) return n;
  if (n >= 232) {
    const grey = 8 + (n - 232) * 10;
    return `rgb(${grey},${grey},${grey})`;
  }
  const cube = n - 16;
  const level = (v: number) => (v === 0 ? 0 : 55 + v * 40);
  return `rgb(${level(Math.floor(cube / 36))},${level(Math.floor(cube / 6) % 6)},${level(cube % 6)})`;
}

/**
 * Splits a log line into spans styled by its SGR escapes (colours, bold, dim, italic, underline); every other
 * escape sequence is dropped. The text itself is never interpreted: callers put it in text nodes.
 */
export function ansiSpans(line: string): AnsiSpan[] {
  const spans: AnsiSpan[] = [];
  let style: Style = {};
  let last = 0;
  const push = (text: string) => {
    if (text === '') return;
    const classes: string[] = [];
    const css: string[] = [];
    if (typeof style.fg === 'number') classes.push(`ansi-fg-${style.fg}`);
    else if (style.fg !== undefined) css.push(`color:${style.fg}`);
    if (typeof style.bg === 'number') classes.push(`ansi-bg-${style.bg}`);
    else if (style.bg !== undefined) css.push(`background:${style.bg}`);
    if (style.bold) classes.push('ansi-bold');
    if (style.dim) classes.push('ansi-dim');
    if (style.italic) classes.push('ansi-italic');
    if (style.underline) classes.push('ansi-underline');
    spans.push(css.length > 0 ? { text, classes, style: css.join(';') } : { text, classes });
  };
  for (const match of line.matchAll(escape)) {
    push(line.slice(last, match.index));
    last = match.index + match[0].length;
    if (match[2] !== 'm') continue;
    const codes = (match[1] ?? '').split(/[;:]/).map((code) => (code === '' ? 0 : Number(code)));
    for (let i = 0; i < codes.length; i += 1) {
      const code = codes[i] ?? 0;
      if (code === 0) style = {};
      else if (code === 1) style.bold = true;
      else if (code === 2) style.dim = true;
      else if (code === 3) style.italic = true;
      else if (code === 4) style.underline = true;
      else if (code === 22) style.bold = style.dim = false;
      else if (code === 23) style.italic = false;
      else if (code === 24) style.underline = false;
      else if (code >= 30 && code <= 37) style.fg = code - 30;
      else if (code >= 90 && code <= 97) style.fg = code - 90 + 8;
      else if (code >= 40 && code <= 47) style.bg = code - 40;
      else if (code >= 100 && code <= 107) style.bg = code - 100 + 8;
      else if (code === 39) delete style.fg;
      else if (code === 49) delete style.bg;
      else if (code === 38 || code === 48) {
        const key = code === 38 ? 'fg' : 'bg';
        if (codes[i + 1] === 5) {
          style[key] = color256(codes[i + 2] ?? 0);
          i += 2;
        } else if (codes[i + 1] === 2) {
          const [r = 0, g = 0, b = 0] = codes.slice(i + 2, i + 5).map((v) => Math.min(255, v));
          style[key] = `rgb(${r},${g},${b})`;
          i += 4;
        }
      }
    }
  }
  push(line.slice(last));
  return spans;
}
