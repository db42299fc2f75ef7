// Two projects: `quick` (core, simulator, CLI; no server needed) and `real` (live valkey-server
// processes, under test/real/). `npm test` runs both; `npm run test:quick` only the first.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'quick',
          include: ['test/**/*.test.ts'],
          exclude: ['test/real/**', 'node_modules/**'],
          testTimeout: 120_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'real',
          include: ['test/real/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 60_000,
          // Real clusters use processes, ports and CPU: one file at a time keeps timings honest.
          fileParallelism: false,
        },
      },
    ],
  },
});
