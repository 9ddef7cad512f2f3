import { defineConfig } from 'vitest/config';

// Tests that stop and start the Docker engine: one file at a time, after the main suite (see package.json).
export default defineConfig({
  test: {
    include: ['test/engine/**/*.engine.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    maxWorkers: 1,
    reporters: ['default'],
  },
});
