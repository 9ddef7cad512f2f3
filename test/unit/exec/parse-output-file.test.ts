import { describe, expect, it } from 'vitest';
import { parseOutputFile } from '../../../packages/engine/src/exec/parse-output-file.js';

describe('parseOutputFile', () => {
  it('reads name=value lines, splitting at the first =', () => {
    expect(parseOutputFile('a=1\nb=x=y\nempty=\n')).toEqual({ values: { a: '1', b: 'x=y', empty: '' }, issues: [] });
  });

  it('keeps spaces in values and lets a later value win', () => {
    expect(parseOutputFile('msg= hello world \nmsg=second').values).toEqual({ msg: 'second' });
    expect(parseOutputFile('msg= hello world ').values).toEqual({ msg: ' hello world ' });
  });

  it('reads the name<<DELIMITER multi-line form', () => {
    const text = 'before=1\nnotes<<EOF\nline one\n\nline=three\nEOF\nafter=2\n';
    expect(parseOutputFile(text)).toEqual({
      values: { before: '1', notes: 'line one\n\nline=three', after: '2' },
      issues: [],
    });
  });

  it('treats a line with = before << as name=value', () => {
    expect(parseOutputFile('cmd=a<<b').values).toEqual({ cmd: 'a<<b' });
  });

  it('accepts CRLF line endings', () => {
    expect(parseOutputFile('a=1\r\nm<<X\r\nv\r\nX\r\n').values).toEqual({ a: '1', m: 'v' });
  });

  it('skips blank lines', () => {
    expect(parseOutputFile('\n\na=1\n\n')).toEqual({ values: { a: '1' }, issues: [] });
  });

  it('reports unreadable lines and keeps the rest', () => {
    const parsed = parseOutputFile('a=1\njust text\n=nameless\n9lives=x\nb=2');
    expect(parsed.values).toEqual({ a: '1', b: '2' });
    expect(parsed.issues).toEqual([
      'line 2: expected name=value or name<<DELIMITER',
      'line 3: "" is not an output name (letters, digits, _ and -; not starting with a digit or -)',
      'line 4: "9lives" is not an output name (letters, digits, _ and -; not starting with a digit or -)',
    ]);
  });

  it('reports an unterminated or empty heredoc', () => {
    expect(parseOutputFile('a=1\nm<<EOF\nvalue').issues).toEqual(['line 2: "m<<EOF" is never closed by a line "EOF"']);
    expect(parseOutputFile('m<<').issues).toEqual(['line 1: "m<<" needs a delimiter, e.g. m<<EOF']);
  });

  it('does not let a name touch the prototype', () => {
    const { values: outputs } = parseOutputFile('__proto__=x\nconstructor=y');
    expect(Object.getPrototypeOf(outputs)).toBe(Object.prototype);
    expect(Object.keys(outputs).sort()).toEqual(['__proto__', 'constructor']);
  });
});
