import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    globalSetup: ['test/globalSetup.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Integration tests start real Postgres and NATS servers; the machine has two cores.
    maxWorkers: 2,
    fileParallelism: true,
  },
});
