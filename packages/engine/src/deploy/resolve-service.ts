import { createHash } from 'node:crypto';
import type { PlannedService } from '../plan/plan-types.js';
import type { ResolvedService } from './deploy-types.js';

/**
 * The planned service with its rendered `image` and `env` (templates resolved by the caller), and the hash of
 * everything that makes a revision: equal hashes mean nothing to deploy.
 */
export function resolveService(
  planned: PlannedService,
  image: string,
  env: Record<string, string> = planned.env,
): ResolvedService {
  const { command, port, health, init } = planned;
  const configHash = createHash('sha256')
    .update(JSON.stringify({ image, env, command: command ?? null, port, health, init }))
    .digest('hex');
  return { ...planned, image, env, configHash };
}
