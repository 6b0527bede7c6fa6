import { defineConfig } from 'vite';

// The inspector page: built into dist/ui and served by `backend-lifecycle run --ui`.
export default defineConfig({
  root: import.meta.dirname,
  base: './',
  esbuild: { jsx: 'automatic' },
  build: { outDir: '../dist/ui', emptyOutDir: true, chunkSizeWarningLimit: 1024 },
  logLevel: 'warn',
});
