/**
 * Why `url` must not be handed to git, or undefined when it may. git reads an argument starting with `-` as an
 * option (`--upload-pack=…` runs a command), and `ext::` runs one by design (git refuses it by default; so do we).
 */
export function checkCloneUrl(url: string): string | undefined {
  if (url.startsWith('-')) return `clone URL "${url}" starts with "-"`;
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(url)) return 'the clone URL contains control characters';
  if (/^ext::/i.test(url)) return 'ext:: clone URLs are not allowed';
  return undefined;
}
