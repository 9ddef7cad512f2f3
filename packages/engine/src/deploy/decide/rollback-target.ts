import type { Revision } from '../deploy-types.js';

export type RollbackTarget = { ok: true; revision: Revision } | { ok: false; reason: string };

/**
 * The revision `ferry rollback` goes to, pure: `to` when given (it must be kept), else the newest revision
 * before the active one that did not fail.
 */
export function rollbackTarget(
  revisions: readonly Revision[],
  active: number | undefined,
  to?: number,
): RollbackTarget {
  if (to !== undefined) {
    const revision = revisions.find((r) => r.number === to);
    return revision
      ? { ok: true, revision }
      : { ok: false, reason: `no revision ${to} (kept: ${revisions.map((r) => r.number).join(', ') || 'none'})` };
  }
  const revision = [...revisions]
    .filter((r) => r.number !== active && (active === undefined || r.number < active) && r.outcome !== 'failed')
    .sort((a, b) => b.number - a.number)[0];
  return revision ? { ok: true, revision } : { ok: false, reason: 'no earlier good revision to roll back to' };
}
