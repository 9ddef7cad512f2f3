import { describe, expect, it } from 'vitest';
import { parseSubmodules, resolveSubmoduleUrl } from '../../../packages/engine/src/git/parse-submodules.js';

const a = 'a'.repeat(40);
const b = 'b'.repeat(40);

describe('parseSubmodules', () => {
  it('pairs the .gitmodules entries with the gitlinks of the tree, names with dots included', () => {
    const config = [
      'submodule.lib.path\nlib',
      'submodule.lib.url\n../lib.git',
      'submodule.vendor.tools.v2.path\nvendor/tools',
      'submodule.vendor.tools.v2.url\nhttps://example.com/tools.git',
      'submodule.lib.branch\nmain',
      '',
    ].join('\0');
    const tree = [`160000 commit ${a}\tlib`, `160000 commit ${b}\tvendor/tools`, ''].join('\0');
    expect(parseSubmodules(config, tree)).toEqual([
      { name: 'lib', path: 'lib', url: '../lib.git', sha: a },
      { name: 'vendor.tools.v2', path: 'vendor/tools', url: 'https://example.com/tools.git', sha: b },
    ]);
  });

  it('leaves out an entry whose path is no gitlink (a removed submodule, a plain directory)', () => {
    const config = 'submodule.gone.path\ngone\0submodule.dir.path\ndir\0submodule.dir.url\nx\0';
    const tree = `040000 tree ${a}\tdir\0`;
    expect(parseSubmodules(config, tree)).toEqual([]);
    expect(parseSubmodules('', '')).toEqual([]);
  });

  it('refuses a name that would lead out of .git/modules, as git does', () => {
    for (const name of ['../../hooks', 'a/../../b', '/etc', 'a\\..\\b'])
      expect(() => parseSubmodules(`submodule.${name}.path\nlib\0`, `160000 commit ${a}\tlib\0`)).toThrow(
        expect.objectContaining({
          code: 'EXEC_CHECKOUT',
          message: expect.stringContaining(`"${name}" is not allowed`),
        }),
      );
    expect(parseSubmodules(`submodule.a..b.path\nlib\0`, `160000 commit ${a}\tlib\0`)).toHaveLength(1);
  });
});

describe('resolveSubmoduleUrl', () => {
  it('resolves ./ and ../ against the superproject URL as git submodule init does', () => {
    expect(resolveSubmoduleUrl('../lib.git', 'https://example.com/org/app.git')).toBe(
      'https://example.com/org/lib.git',
    );
    expect(resolveSubmoduleUrl('./lib', 'https://example.com/org/app/')).toBe('https://example.com/org/app/lib');
    expect(resolveSubmoduleUrl('../../other/lib.git', 'https://example.com/org/app.git')).toBe(
      'https://example.com/other/lib.git',
    );
    expect(resolveSubmoduleUrl('../lib.git', 'git@example.com:org/app.git')).toBe('git@example.com:org/lib.git');
    expect(resolveSubmoduleUrl('../../lib.git', 'git@example.com:org/app.git')).toBe('git@example.com:lib.git');
    expect(resolveSubmoduleUrl('../lib', '/srv/git/app')).toBe('/srv/git/lib');
  });

  it('keeps absolute URLs, and relative ones when there is no base', () => {
    expect(resolveSubmoduleUrl('https://example.com/lib.git', 'https://example.com/org/app.git')).toBe(
      'https://example.com/lib.git',
    );
    expect(resolveSubmoduleUrl('../lib.git', '')).toBe('../lib.git');
  });
});
