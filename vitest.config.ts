import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Engine restarts run alone, after this suite: vitest.engine.config.ts.
    exclude: ['test/engine/**', '**/node_modules/**'],
    // redis-server on a free port for *.redis.test.ts (URL via inject('redisUrl')), stopped at teardown.
    globalSetup: ['test/setup/redis-global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Docker-backed files compete for 2 cores; a few at a time keeps timings honest.
    maxWorkers: 3,
    reporters: ['default'],
  },
});
