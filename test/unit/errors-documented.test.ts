import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ferryErrorCodes } from '@ferry/engine';
import { describe, expect, it } from 'vitest';

/** Codes in the first column of the code tables of docs/errors.md, docs/runner.md and docs/webhooks.md. */
function documentedCodes(): string[] {
  return ['errors.md', 'runner.md', 'webhooks.md'].flatMap((name) =>
    [...readFileSync(new URL(`../../docs/${name}`, import.meta.url), 'utf8').matchAll(/^\| `([A-Z_]+)` \|/gm)].map(
      (match) => match[1] as string,
    ),
  );
}

/** The packages' source, except the code list itself and the CLI's exit-code table, which name every code. */
function sourceText(): string {
  const root = fileURLToPath(new URL('../../packages', import.meta.url));
  const listed = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter(
    (file) => /\bsrc\b.*\.ts$/.test(file) && !/(^|\/)(errors|exit-codes)\.ts$/.test(file),
  );
  return listed.map((file) => readFileSync(join(root, file), 'utf8')).join('\n');
}

describe('error codes', () => {
  it('documents every code of ferryErrorCodes, and documents no other', () => {
    const documented = documentedCodes();
    expect(ferryErrorCodes.filter((code) => !documented.includes(code))).toEqual([]);
    expect(documented.filter((code) => !(ferryErrorCodes as readonly string[]).includes(code))).toEqual([]);
  });

  it('names every code somewhere in the packages, so none is documented but never thrown', () => {
    const source = sourceText();
    const unused = ferryErrorCodes.filter((code) => !new RegExp(`\\b${code}\\b`).test(source));
    expect(unused).toEqual([]);
  });
});
