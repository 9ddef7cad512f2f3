import type { Replica } from './deploy-types.js';
import type { TrafficRouter } from './traffic-router.js';

/**
 * The engine is the truth: routed backends without a running container of the service (left in routes.json
 * by a crash that lost the replicas) are drained before a deploy counts what serves. Returns the ids dropped.
 */
export async function dropDeadBackends(
  router: TrafficRouter,
  service: string,
  routed: Set<string>,
  replicas: readonly Replica[],
): Promise<string[]> {
  const running = new Set(replicas.filter((replica) => replica.running).map((replica) => replica.id));
  const dead = [...routed].filter((id) => !running.has(id));
  await Promise.all(dead.map((id) => router.drain(service, id)));
  for (const id of dead) routed.delete(id);
  return dead;
}
