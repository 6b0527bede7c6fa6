import { defineConfig } from 'vitest/config';

// Tests that run the Python companion under a real supervisor: they need a Python with FastAPI and
// uvicorn (Debian: apt-get install -y python3-fastapi python3-uvicorn), so they run with
// `npm run test:python`, not `npm test`.
export default defineConfig({
  test: {
    include: ['test/python/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 30_000,
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
