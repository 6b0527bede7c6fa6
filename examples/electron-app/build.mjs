// Bundles the example app into examples/electron-app/dist: main and preload for Electron, the page for the renderer.
import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const here = import.meta.dirname;
const out = join(here, 'dist');
mkdirSync(out, { recursive: true });
const common = { bundle: true, logLevel: 'warning', sourcemap: true };
await Promise.all([
  build({ ...common, entryPoints: [join(here, 'main.ts')], outfile: join(out, 'main.cjs'), platform: 'node', format: 'cjs', external: ['electron'] }),
  build({ ...common, entryPoints: [join(here, 'preload.ts')], outfile: join(out, 'preload.cjs'), platform: 'node', format: 'cjs', external: ['electron'] }),
  build({ ...common, entryPoints: [join(here, 'renderer', 'main.tsx')], outfile: join(out, 'renderer.js'), platform: 'browser', format: 'iife', jsx: 'automatic' }),
]);
cpSync(join(here, 'index.html'), join(out, 'index.html'));
console.log(`built ${out}`);
