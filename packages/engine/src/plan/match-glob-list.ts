import picomatch from 'picomatch';

// GitHub's filter globs: `*` stops at `/`, `**` crosses it, `?`, `[…]`, `+`; dot files are matched like any other.
const options: picomatch.PicomatchOptions = { dot: true };

/**
 * Whether `value` is selected by `patterns`, read in order as GitHub reads a filter: a pattern selects what it
 * matches, a pattern starting with `!` deselects it again, and a later pattern overrides an earlier one.
 */
export function matchGlobList(value: string, patterns: readonly string[]): boolean {
  let selected = false;
  for (const pattern of patterns) {
    if (pattern.startsWith('!')) {
      if (selected && picomatch.isMatch(value, pattern.slice(1), options)) selected = false;
    } else if (!selected && picomatch.isMatch(value, pattern, options)) {
      selected = true;
    }
  }
  return selected;
}
