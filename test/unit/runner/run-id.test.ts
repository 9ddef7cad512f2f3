import { describe, expect, it } from 'vitest';
import { runIdFor, runIdPattern } from '../../../packages/runner/src/queue/run-id.js';

describe('run ids', () => {
  it('uses an idempotency key that is a valid id as the run id', () => {
    expect(runIdFor('72d3162e-cc78-11e3-81ab-4c9367dc0958', 0)).toBe('72d3162e-cc78-11e3-81ab-4c9367dc0958');
  });

  it('hashes keys that are not valid ids (or all digits, which BullMQ rejects), deterministically', () => {
    const id = runIdFor('push:acme/shop:refs/heads/main', 0);
    expect(id).toMatch(/^key-[0-9a-f]{24}$/);
    expect(runIdFor('push:acme/shop:refs/heads/main', 999)).toBe(id);
    expect(runIdFor('12345', 0)).toMatch(/^key-/);
  });

  it('makes a new, time-ordered id without a key', () => {
    const id = runIdFor(undefined, Date.UTC(2025, 0, 2, 3, 4, 5));
    expect(id).toMatch(/^20250102-030405-[0-9a-z]{10}$/);
    expect(runIdPattern.test(id)).toBe(true);
    expect(runIdFor(undefined, 0)).not.toBe(runIdFor(undefined, 0));
  });
});
