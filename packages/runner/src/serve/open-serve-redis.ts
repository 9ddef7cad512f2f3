import { FerryError } from '@ferry/engine';
import { Redis } from 'ioredis';

/**
 * The connection of a long-running server: it reconnects for ever, but a command issued while Redis is away
 * fails after one reconnection attempt instead of waiting, so a delivery is answered 503 (the forge can
 * redeliver) rather than held until the forge gives up. Throws FerryError RUNNER_CONFIG_INVALID for a
 * malformed URL.
 */
export function openServeRedis(url: string): Redis {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new FerryError('RUNNER_CONFIG_INVALID', `--redis "${url}": expected a URL like redis://127.0.0.1:6379`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')
    throw new FerryError('RUNNER_CONFIG_INVALID', `--redis "${url}": expected a redis:// or rediss:// URL`);
  return new Redis(url, {
    maxRetriesPerRequest: 1,
    connectTimeout: 3000,
    retryStrategy: (times) => Math.min(100 * times, 2000),
  });
}
