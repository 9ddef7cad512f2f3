/** One line of at most 200 characters: control characters (a forged newline in a log line) become `?`. */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  const line = text.replace(/[\u0000-\u001f\u007f]/g, '?');
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
