import type { TestProject } from 'vitest/node';
import { startRedisServer } from './redis-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A redis-server started for this test run (nothing persisted); each *.redis.test.ts file uses a database of its own. */
    redisUrl: string;
  }
}

/** Starts redis-server on a free port for *.redis.test.ts files and stops it once every file has run. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startRedisServer();
  project.provide('redisUrl', server.url);
  return () => server.destroy();
}
