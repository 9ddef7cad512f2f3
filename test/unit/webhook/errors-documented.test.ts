import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

describe('webhook error codes', () => {
  it('documents every WebhookErrorCode in docs/webhooks.md', () => {
    const source = readFileSync(
      new URL('../../../packages/runner/src/webhook/webhook-error.ts', import.meta.url),
      'utf8',
    );
    const start = source.indexOf('export type WebhookErrorCode');
    const union = source.slice(start, source.indexOf('export class', start)).replace(/\/\*\*.*?\*\//g, '');
    const codes = [...union.matchAll(/\| '([A-Z_]+)'/g)].map((match) => match[1]);
    expect(codes.length).toBeGreaterThan(8);
    const docs = readFileSync(new URL('../../../docs/webhooks.md', import.meta.url), 'utf8');
    expect(codes.filter((code) => !docs.includes(`\`${code}\``))).toEqual([]);
  });
});
