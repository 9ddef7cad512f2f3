/** Indents every line of `text` by four spaces (nested reasons in deploy messages). */
export function indentText(text: string): string {
  return text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}
