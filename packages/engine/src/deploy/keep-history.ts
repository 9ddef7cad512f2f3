import type { Revision } from './deploy-types.js';

/** The newest `limit` revisions, always including the active one. */
export function keepHistory(revisions: Revision[], active: number, limit: number): Revision[] {
  const sorted = [...revisions].sort((a, b) => b.createdAt - a.createdAt || b.number - a.number);
  const kept = sorted.slice(0, limit);
  if (!kept.some((r) => r.number === active)) {
    const current = sorted.find((r) => r.number === active);
    if (current) kept.splice(kept.length - 1, 1, current);
  }
  return kept.sort((a, b) => a.number - b.number);
}
