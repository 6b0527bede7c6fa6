import { defineConfig } from 'vitest/config';

// Tests that run the Python companion and the Python examples under a real supervisor: they need a
// Python with FastAPI and uvicorn (Debian: apt-get install -y python3-fastapi python3-uvicorn), and
// run with `npm run test:python`, which `npm test` ends with (the main config leaves them out).
export default defineConfig({
  test: {
    include: ['test/python/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 30_000,
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
