/**
 * maxSurge / maxUnavailable to absolute numbers the way Kubernetes does (ResolveFenceposts): a percentage of
 * `replicas`, surge rounded up and unavailable rounded down; when both come to 0, unavailable is 1 so that a
 * rollout can make progress.
 */
export function resolveRollingBounds(
  replicas: number,
  maxSurge: number | string,
  maxUnavailable: number | string,
): { surge: number; unavailable: number } {
  const surge = absolute(maxSurge, replicas, Math.ceil);
  let unavailable = absolute(maxUnavailable, replicas, Math.floor);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable: Math.min(unavailable, replicas) };
}

function absolute(value: number | string, replicas: number, round: (n: number) => number): number {
  if (typeof value === 'number') return value;
  const percent = Number(value.replace('%', ''));
  return round((percent * replicas) / 100);
}
