/**
 * The little shell FakeExecutor understands: enough of `sh` for scripted tests, not a real one.
 * Commands are separated by newlines and `;`; words may be quoted ('…', "…") and contain $NAME or ${NAME};
 * `#` starts a comment; redirections `>`, `>>`, `1>`, `2>`, `>&2`, `1>&2`, `2>&1` are understood, and `|`
 * (pipelines; what goes into the pipe is dropped, as no command here reads stdin).
 * No `&&`, `||`, subshells, globbing or control flow.
 */

export type FakeStream = 'stdout' | 'stderr';

export interface FakeRedirect {
  /** The stream redirected (fd 1 or 2). */
  from: FakeStream;
  /** A file name, or the other stream. */
  to: { file: string; append: boolean } | { stream: FakeStream };
}

export interface FakeShellCommand {
  /** Words after quote removal and expansion; the first is the command name. */
  words: string[];
  redirects: FakeRedirect[];
  /** The words joined by single spaces, for matching scripted commands. */
  text: string;
  /** Its stdout goes into a pipe to the next command (`a | b`): the two form one pipeline. */
  pipe?: boolean;
}

/** Splits a script into commands, expanding $NAME from env (unset names expand to ''). Never throws. */
export function parseFakeScript(script: string, env: Record<string, string>): FakeShellCommand[] {
  const commands: FakeShellCommand[] = [];
  let words: string[] = [];
  let redirects: FakeRedirect[] = [];
  let pendingRedirect: { from: FakeStream; append: boolean } | undefined;
  let word: string | undefined;
  let quoted = false;
  let i = 0;

  const endWord = () => {
    const unquotedEmpty = word === '' && !quoted;
    quoted = false;
    if (word === undefined || unquotedEmpty) {
      word = undefined;
      return;
    }
    if (pendingRedirect) {
      redirects.push({ from: pendingRedirect.from, to: { file: word, append: pendingRedirect.append } });
      pendingRedirect = undefined;
    } else {
      words.push(word);
    }
    word = undefined;
  };
  const endCommand = (pipe = false) => {
    endWord();
    if (words.length > 0) commands.push({ words, redirects, text: words.join(' '), ...(pipe ? { pipe } : {}) });
    words = [];
    redirects = [];
    pendingRedirect = undefined;
  };
  const expand = (): string => {
    const braced = script[i + 1] === '{';
    const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(script.slice(i + (braced ? 2 : 1)));
    if (!match) {
      i += 1;
      return '$';
    }
    i += match[0].length + (braced ? 3 : 1);
    return env[match[0]] ?? '';
  };

  while (i < script.length) {
    const char = script[i] ?? '';
    if (char === '\n' || char === ';' || char === '|') {
      endCommand(char === '|');
      i += 1;
    } else if (char === ' ' || char === '\t' || char === '\r') {
      endWord();
      i += 1;
    } else if (char === '#' && word === undefined) {
      while (i < script.length && script[i] !== '\n') i += 1;
    } else if (char === '>' || (word === undefined && /^[12]>/.test(script.slice(i, i + 2)))) {
      endWord();
      const operator = /^([12]?)>(>?)(&[12])?/.exec(script.slice(i)) ?? ['>', '', '', undefined];
      const from: FakeStream = operator[1] === '2' ? 'stderr' : 'stdout';
      if (operator[3]) redirects.push({ from, to: { stream: operator[3] === '&2' ? 'stderr' : 'stdout' } });
      else pendingRedirect = { from, append: operator[2] === '>' };
      i += operator[0].length;
    } else if (char === "'") {
      quoted = true;
      const end = script.indexOf("'", i + 1);
      const stop = end === -1 ? script.length : end;
      word = (word ?? '') + script.slice(i + 1, stop);
      i = stop + 1;
    } else if (char === '"') {
      quoted = true;
      word ??= '';
      i += 1;
      while (i < script.length && script[i] !== '"') {
        const inner = script[i] ?? '';
        if (inner === '\\' && /["\\$`]/.test(script[i + 1] ?? '')) {
          word += script[i + 1];
          i += 2;
        } else if (inner === '$') {
          word += expand();
        } else {
          word += inner;
          i += 1;
        }
      }
      i += 1;
    } else if (char === '\\') {
      word = (word ?? '') + (script[i + 1] ?? '');
      i += 2;
    } else if (char === '$') {
      word = (word ?? '') + expand();
    } else {
      word = (word ?? '') + char;
      i += 1;
    }
  }
  endCommand();
  return commands;
}
