/** The forms of a secret a log may carry: itself, each of its lines, base64, URL- and JSON-escaped. */
function formsOf(value: string): string[] {
  return [
    value,
    ...value.split(/\r?\n/),
    Buffer.from(value).toString('base64'),
    encodeURIComponent(value),
    // What toJSON(secrets) or a JSON log line prints for a value with quotes, backslashes or control characters.
    JSON.stringify(value).slice(1, -1),
  ];
}

/**
 * Returns a function that replaces every secret value in a text with `***`. Besides each value it masks
 * each line of a multi-line value (logs arrive line by line) and the value's base64, URL-encoded and
 * JSON-escaped forms, the ways a secret most often leaks by accident. Longest first, so a secret containing
 * another is masked whole. A value split over two log lines is the SplitMasker's job.
 */
export function createMasker(values: Iterable<string>): (text: string) => string {
  const forms = new Set<string>();
  for (const value of values) {
    if (value.length === 0) continue;
    for (const form of formsOf(value)) {
      if (form.trim().length >= 2) forms.add(form);
    }
  }
  if (forms.size === 0) return (text) => text;
  const pattern = new RegExp(
    [...forms]
      .sort((a, b) => b.length - a.length)
      .map(escapeRegExp)
      .join('|'),
    'g',
  );
  return (text) => text.replace(pattern, '***');
}

/** Split detection covers forms up to this long; longer secrets are multi-line ones, masked per line. */
const maxSplitForm = 512;

/**
 * Masks a secret printed across two consecutive log lines of one stream: two `echo`s of its halves, or a
 * long line the line splitter cut inside the secret. `mayContinue(line)` says whether the line ends with the
 * start of a secret (so the next line must be seen before it is shown); `join(previous, next)` masks both
 * parts when they form a secret across the break.
 */
export class SplitMasker {
  private readonly forms: string[];

  constructor(values: Iterable<string>) {
    const forms = new Set<string>();
    for (const value of values)
      for (const form of formsOf(value)) if (form.trim().length >= 2 && form.length <= maxSplitForm) forms.add(form);
    this.forms = [...forms].sort((a, b) => b.length - a.length);
  }

  get active(): boolean {
    return this.forms.length > 0;
  }

  /** The length of the longest proper prefix of a secret form that `line` ends with (0: none). */
  private tailMatch(line: string, form: string): number {
    for (let k = Math.min(form.length - 1, line.length); k >= 1; k--) if (line.endsWith(form.slice(0, k))) return k;
    return 0;
  }

  mayContinue(line: string): boolean {
    return this.forms.some((form) => this.tailMatch(line, form) > 0);
  }

  /** Both lines with a secret across their break masked (`***` at the end of one, the start of the other). */
  join(previous: string, next: string): [string, string] | undefined {
    for (const form of this.forms) {
      for (let k = Math.min(form.length - 1, previous.length); k >= 1; k--) {
        if (previous.endsWith(form.slice(0, k)) && next.startsWith(form.slice(k)))
          return [`${previous.slice(0, previous.length - k)}***`, `***${next.slice(form.length - k)}`];
      }
    }
    return undefined;
  }
}

/** Applies `mask` to every string inside a JSON-like value. */
export function maskDeep<T>(value: T, mask: (text: string) => string): T {
  if (typeof value === 'string') return mask(value) as T;
  if (Array.isArray(value)) return (value as unknown[]).map((item) => maskDeep(item, mask)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, maskDeep(item, mask)])) as T;
  }
  return value;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
