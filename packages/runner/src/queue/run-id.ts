import { createHash, randomBytes } from 'node:crypto';

/** What a run id may look like: it is a BullMQ job id, a Redis key part and a Docker label value. */
export const runIdPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/**
 * The run id (= the BullMQ job id) for a request. With an idempotency key (a webhook's delivery id, or the
 * caller's own key) it is deterministic: the key itself when it is a valid id (and not all digits, which
 * BullMQ rejects), else `key-` and a hash of it. Without one it is new: `20250101-120000-k3x9q2m7wd`. The 10
 * random base-36 characters (51 bits) keep ids apart at any rate a queue sees: six (31 bits) collided about hourly at
 * 1,000 runs/s, and a colliding request would silently become the existing run.
 */
export function runIdFor(idempotencyKey: string | undefined, now: number): string {
  if (idempotencyKey !== undefined) {
    if (runIdPattern.test(idempotencyKey) && !/^\d+$/.test(idempotencyKey)) return idempotencyKey;
    return `key-${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 24)}`;
  }
  const stamp = new Date(now).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(8).readBigUInt64BE(0).toString(36).padStart(13, '0').slice(-10)}`;
}
