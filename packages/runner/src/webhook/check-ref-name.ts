/**
 * Why `ref` is not a ref name a run may take, or undefined when it is: git's rules (`git check-ref-format`),
 * plus no component starting with "-" (git would read it as an option) and no "$" or "`" (shell syntax).
 */
export function checkRefName(ref: string): string | undefined {
  const bad = (why: string) => `ref ${JSON.stringify(ref)} is not a valid ref name: ${why}`;
  if ([...ref].some((char) => char <= ' ' || char === '\u007f' || '~^:?*[\\$`'.includes(char)))
    return bad('it holds a space, a control or a special character');
  if (ref.includes('..')) return bad('it holds ".."');
  if (ref.includes('@{') || ref === '@') return bad('it holds "@{"');
  if (ref.startsWith('/') || ref.endsWith('/') || ref.includes('//')) return bad('an empty component');
  if (ref.endsWith('.')) return bad('it ends with "."');
  for (const part of ref.split('/')) {
    if (part.startsWith('.') || part.endsWith('.lock'))
      return bad(`component "${part}" starts with "." or ends with ".lock"`);
    if (part.startsWith('-')) return bad(`component "${part}" starts with "-"`);
  }
  return undefined;
}
