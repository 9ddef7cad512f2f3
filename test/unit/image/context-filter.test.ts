import { describe, expect, it } from 'vitest';
import { createContextFilter, parseDockerignore } from '../../../packages/engine/src/image/context-filter.js';

describe('parseDockerignore', () => {
  it('keeps one trimmed pattern a line, without comments, blank lines or a BOM', () => {
    expect(
      parseDockerignore('\uFEFF# comment\n\n  *.log  \r\n!keep.log\n   # indented comment\nnode_modules/\n'),
    ).toEqual(['*.log', '!keep.log', 'node_modules/']);
  });
});

describe('createContextFilter', () => {
  const sent = (patterns: string[], paths: string[], keep: string[] = []) => {
    const filter = createContextFilter(patterns, keep);
    return paths.filter((file) => filter.includes(file));
  };

  it('leaves out what a pattern matches, and everything below a matched directory', () => {
    expect(
      sent(['*.log', 'build', 'tmp/'], ['a.log', 'src/a.log', 'build', 'build/out.js', 'tmp/x', 'src/app.js']),
    ).toEqual(['src/a.log', 'src/app.js']);
  });

  it('matches at the root only unless the pattern says **, as Docker does (not like .gitignore)', () => {
    expect(
      sent(['secret.env', '**/*.map'], ['secret.env', 'config/secret.env', 'dist/app.js.map', 'app.js.map']),
    ).toEqual(['config/secret.env']);
  });

  it('re-includes with !, the last matching pattern winning', () => {
    expect(sent(['docs', '!docs/keep.md'], ['docs/guide.md', 'docs/keep.md'])).toEqual(['docs/keep.md']);
    expect(sent(['!docs/keep.md', 'docs'], ['docs/guide.md', 'docs/keep.md'])).toEqual([]);
  });

  it('is case-sensitive, as Docker is on Linux', () => {
    expect(sent(['README.md'], ['README.md', 'readme.md'])).toEqual(['readme.md']);
  });

  it('always sends the kept files (Dockerfile, .dockerignore), even under an ignored directory or with glob characters', () => {
    expect(
      sent(
        ['*', 'docker'],
        ['Dockerfile', '.dockerignore', 'docker/app[1].Dockerfile', 'docker/other', 'x'],
        ['.dockerignore', 'docker/app[1].Dockerfile'],
      ),
    ).toEqual(['.dockerignore', 'docker/app[1].Dockerfile']);
  });

  it('lets the walk skip an ignored directory unless an exception can match inside it', () => {
    const filter = createContextFilter(
      ['node_modules', 'docs', '!docs/keep.md', 'assets', '!*/logo.png', 'cache', '!**/keep'],
      [],
    );
    expect(filter.mayIncludeBelow('node_modules')).toBe(true); // `!**/keep` spans any depth
    const plain = createContextFilter(['node_modules', 'docs', '!docs/keep.md', 'assets', '!*/logo.png'], []);
    expect(plain.mayIncludeBelow('node_modules')).toBe(true); // `*/logo.png` could be node_modules/logo.png
    expect(plain.mayIncludeBelow('docs')).toBe(true);
    expect(plain.mayIncludeBelow('docs/old')).toBe(false);
    expect(createContextFilter(['node_modules'], []).mayIncludeBelow('node_modules')).toBe(false);
    expect(createContextFilter(['node_modules', '!src/keep'], []).mayIncludeBelow('node_modules')).toBe(false);
  });
});
