import { defineConfig } from 'vitest/config';

// The tests whose outcome depends on how processes are found, identified and stopped: they run a
// second time with the `ps` strategy (the one macOS uses) forced, so that path is proven on every run.
const processLevel = ['lifecycle', 'shutdown', 'orphans', 'identity', 'files-on-disk', 'exit-hook', 'failures', 'every-phase', 'fault-matrix', 'stop-blockers', 'electron-update-folder', 'stop-out-of-descriptors', 'stop-before-spawn'].map(
  (name) => `test/integration/${name}.test.ts`,
);

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // real processes and ports: two workers match the two cores without starving the backends
    maxWorkers: 2,
    reporters: ['default', './test/summary-reporter.ts'],
    projects: [
      {
        extends: true,
        test: { name: 'native', include: ['test/**/*.test.ts', 'test/**/*.test.tsx'], exclude: ['test/browser/**', 'test/python/**', '**/node_modules/**'] },
      },
      { extends: true, test: { name: 'posix-ps', include: processLevel, env: { BACKEND_LIFECYCLE_PLATFORM: 'ps', BL_TEST_LEAKS_VIA_PS: '1' } } },
    ],
  },
});
