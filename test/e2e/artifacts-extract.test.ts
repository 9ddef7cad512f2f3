import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ferry, tempRepo } from '../helpers/ferry-cli.js';

const pipeline = (make: string) => `jobs:
  save:
    image: ferry/busybox:1
    artifacts: [dist/]
    steps:
      - run: |
          mkdir -p dist && echo hello > dist/a.txt
          ${make}
`;

describe('ferry artifacts --extract', () => {
  it('refuses a symbolic or a hard link entry with a message naming it, exit 1 and nothing written', async () => {
    for (const [make, entry, what] of [
      ['ln -s /etc/passwd dist/passwd', 'dist/passwd', 'a symbolic link (to /etc/passwd)'],
      ['ln dist/a.txt dist/b.txt', 'dist/b.txt', 'a hard link (to dist/a.txt)'],
    ] as const) {
      const repo = await tempRepo({ 'ferry.yml': pipeline(make) });
      const run = await ferry(['run'], repo);
      expect(run.exitCode, run.all).toBe(0);
      const listed = await ferry(['artifacts', 'last'], repo);
      expect(listed.exitCode, listed.all).toBe(0);
      expect(listed.stdout).toContain('dist/a.txt');

      const out = join(repo, 'out');
      const extracted = await ferry(['artifacts', 'last', '--extract', out], repo);
      expect(extracted.exitCode, extracted.all).toBe(1);
      expect(extracted.stderr).toContain('STORE_ARTIFACT_UNSAFE');
      expect(extracted.stderr).toContain(`entry "${entry}" is ${what}`);
      expect(extracted.all).not.toMatch(/internal error|\n\s+at /);
      expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
    }
  });

  it('extracts plain files and directories', async () => {
    const repo = await tempRepo({ 'ferry.yml': pipeline('mkdir -p dist/sub && echo deep > dist/sub/b.txt') });
    expect((await ferry(['run'], repo)).exitCode).toBe(0);
    const out = join(repo, 'out');
    const extracted = await ferry(['artifacts', 'last', '--extract', out], repo);
    expect(extracted.exitCode, extracted.all).toBe(0);
    expect(readFileSync(join(out, 'save', 'dist', 'sub', 'b.txt'), 'utf8')).toBe('deep\n');
  });
});
