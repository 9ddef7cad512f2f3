/**
 * Returns a function that replaces every secret value in a text with `***`. Besides each value it masks
 * each line of a multi-line value (logs arrive line by line) and the value's base64 and URL-encoded forms,
 * the two ways a secret most often leaks by accident. Longest first, so a secret containing another is
 * masked whole.
 */
export function createMasker(values: Iterable<string>): (text: string) => string {
  const forms = new Set<string>();
  for (const value of values) {
    if (value.length === 0) continue;
    for (const form of [
      value,
      ...value.split(/\r?\n/),
      Buffer.from(value).toString('base64'),
      encodeURIComponent(value),
    ]) {
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
