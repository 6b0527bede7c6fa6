import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    exclude: ['test/browser/**', '**/node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // real processes and ports: two workers match the two cores without starving the backends
    maxWorkers: 2,
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
