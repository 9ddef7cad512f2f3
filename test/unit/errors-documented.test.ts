import { readFileSync } from 'node:fs';
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

describe('error codes', () => {
  it('documents every code of ferryErrorCodes, and documents no other', () => {
    const documented = documentedCodes();
    expect(ferryErrorCodes.filter((code) => !documented.includes(code))).toEqual([]);
    expect(documented.filter((code) => !(ferryErrorCodes as readonly string[]).includes(code))).toEqual([]);
  });
});
