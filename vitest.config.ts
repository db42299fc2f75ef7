// Three projects: `quick` (core, simulator, CLI; no server needed), `real` (live valkey-server
// processes, under test/real/) and `browser` (the HTML report in headless chromium, under
// test/browser/). `npm test` runs all; `npm run test:quick` only the first.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'quick',
          include: ['test/**/*.test.ts'],
          exclude: ['test/real/**', 'test/browser/**', 'node_modules/**'],
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
      {
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // One chromium at a time: the machine is small.
          fileParallelism: false,
        },
      },
    ],
  },
});
