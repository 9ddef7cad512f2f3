import { FerryError } from '@ferry/engine';
import { Redis } from 'ioredis';

export type RedisRole =
  /** A command-line tool: fails fast, with a clear error, when Redis cannot be reached. */
  | 'client'
  /** A runner: waits out outages (commands queue up and run on reconnect), never gives up. */
  | 'runner';

/** Opens an ioredis connection for a role. Throws FerryError RUNNER_CONFIG_INVALID for a malformed URL. */
export function openRedis(url: string, role: RedisRole): Redis {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new FerryError('RUNNER_CONFIG_INVALID', `--redis "${url}": expected a URL like redis://127.0.0.1:6379`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new FerryError('RUNNER_CONFIG_INVALID', `--redis "${url}": expected a redis:// or rediss:// URL`);
  }
  if (role === 'runner') {
    return new Redis(url, {
      maxRetriesPerRequest: null,
      retryStrategy: (times) => Math.min(100 * times, 1000),
    });
  }
  return new Redis(url, {
    maxRetriesPerRequest: 1,
    connectTimeout: 3000,
    retryStrategy: (times) => (times > 2 ? null : 200),
  });
}

/** Resolves once Redis answers PING; throws FerryError QUEUE_REDIS_UNAVAILABLE after timeoutMs. */
export async function waitForRedis(redis: Redis, shownAs: string, timeoutMs = 5000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  let connectionError: Error | undefined;
  const onError = (error: Error) => (connectionError = error);
  redis.on('error', onError);
  try {
    await Promise.race([
      redis.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000}s`)), timeoutMs);
      }),
    ]);
  } catch (error) {
    // The connection's own error (ECONNREFUSED, auth) says more than the command's (retries exhausted).
    const reason = connectionError?.message ?? (error as Error).message;
    throw new FerryError('QUEUE_REDIS_UNAVAILABLE', `cannot reach Redis at ${redactUrl(shownAs)}: ${reason}`, {
      cause: error,
    });
  } finally {
    clearTimeout(timer);
    redis.off('error', onError);
  }
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}
