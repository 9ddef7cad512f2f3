/** What a step wrote to $FERRY_OUTPUT (or $FERRY_ENV), and what in it could not be read. */
export interface ParsedOutputFile {
  values: Record<string, string>;
  /** Human-readable problems, e.g. `line 3: expected name=value or name<<DELIMITER`. */
  issues: string[];
}

const outputName = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const envName = /^[A-Za-z_][A-Za-z0-9_]*$/;

const names = {
  output: { pattern: outputName, what: 'an output name (letters, digits, _ and -; not starting with a digit or -)' },
  env: {
    pattern: envName,
    what: 'an environment variable name (letters, digits and _; not starting with a digit)',
  },
};

/**
 * Parses the $FERRY_OUTPUT (or, as `env`, the $FERRY_ENV) file: `name=value` lines and GitHub's multi-line form
 * `name<<DELIMITER`, the value's lines, then `DELIMITER` alone on a line. A later value of the same
 * name wins. Lines it cannot read are reported in `issues` and skipped; it never throws.
 */
export function parseOutputFile(text: string, kind: 'output' | 'env' = 'output'): ParsedOutputFile {
  const { pattern, what } = names[kind];
  const values = new Map<string, string>();
  const issues: string[] = [];
  const lines = text.split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
  if (lines.at(-1) === '') lines.pop();

  const accept = (lineNo: number, name: string, value: string) => {
    if (pattern.test(name)) values.set(name, value);
    else issues.push(`line ${lineNo}: "${name}" is not ${what}`);
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const lineNo = i + 1;
    if (line.trim() === '') continue;
    const equals = line.indexOf('=');
    const heredoc = line.indexOf('<<');
    if (equals !== -1 && (heredoc === -1 || equals < heredoc)) {
      accept(lineNo, line.slice(0, equals), line.slice(equals + 1));
      continue;
    }
    if (heredoc === -1) {
      issues.push(`line ${lineNo}: expected name=value or name<<DELIMITER`);
      continue;
    }
    const name = line.slice(0, heredoc);
    const delimiter = line.slice(heredoc + 2);
    if (delimiter === '') {
      issues.push(`line ${lineNo}: "${name}<<" needs a delimiter, e.g. ${name}<<EOF`);
      continue;
    }
    const end = lines.indexOf(delimiter, i + 1);
    if (end === -1) {
      issues.push(`line ${lineNo}: "${name}<<${delimiter}" is never closed by a line "${delimiter}"`);
      break;
    }
    accept(lineNo, name, lines.slice(i + 1, end).join('\n'));
    i = end;
  }
  return { values: Object.fromEntries(values), issues };
}
