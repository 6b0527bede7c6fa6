// Bundles tsc's output per entry point, with execa and undici inside: one module to load
// instead of ~30 of ours makes importing the package ~20 ms faster (bench: "import of the package
// entry"), and their ~150 modules, loaded from node_modules one file at a time, were most of a cold
// start's time before the spawn (bench: "cold start() → spawn"). Their licences go beside the bundle.
import { chmodSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { build } from 'esbuild';

const root = join(import.meta.dirname, '..');
const dist = join(root, 'dist');

/** Every package our code imports stays external except `names`, which go in with everything they import. */
function bundleOnly(names) {
  const packageOf = (specifier) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');
  return {
    name: 'bundle-only',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, ({ path, importer }) => {
        if (path.startsWith('node:') || /[\\/]node_modules[\\/]/.test(importer) || names.includes(packageOf(path))) return undefined;
        return { path, external: true };
      });
    },
  };
}

/**
 * undici and a few of execa's helpers are CommonJS: their `require('node:fs')` has no `require` in an
 * ES module. Each becomes `process.getBuiltinModule(...)` (Node 20.16+, every Electron this package
 * supports), which works in our ES modules and wherever an app's bundler puts them (CommonJS output
 * has no `import.meta` for `createRequire`).
 */
function builtinsForCommonJs() {
  const builtins = new Set(builtinModules);
  return {
    name: 'builtins-for-commonjs',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, ({ path, kind }) => {
        if (kind !== 'require-call' || !(path.startsWith('node:') || builtins.has(path))) return undefined;
        return { path: path.replace(/^node:/, ''), namespace: 'node-builtin' };
      });
      build.onLoad({ filter: /.*/, namespace: 'node-builtin' }, ({ path }) => ({
        // a module this Node lacks (node:sqlite before 22.5) fails as require() would, when required
        contents: `const m = process.getBuiltinModule(${JSON.stringify(`node:${path}`)});\nif (m === undefined) throw Object.assign(new Error(${JSON.stringify(`No such built-in module: node:${path}`)}), { code: 'ERR_UNKNOWN_BUILTIN_MODULE' });\nmodule.exports = m;`,
        loader: 'js',
      }));
    },
  };
}

const { metafile } = await build({
  entryPoints: {
    index: join(dist, 'src/index.js'),
    'electron-main': join(dist, 'src/electron/main.js'),
    'electron-preload': join(dist, 'src/electron/preload.js'),
    'electron-renderer': join(dist, 'src/electron/renderer.js'),
    // types window.backend; empty at run time
    'electron-window': join(dist, 'src/electron/window.js'),
    react: join(dist, 'src/react/index.js'),
    cli: join(dist, 'src/cli/main.js'),
    // run as a program by the guard of a backend on Windows (see src/process/guard.ts)
    'windows-guard': join(dist, 'src/process/windows-guard.js'),
  },
  outdir: join(dist, 'bundle'),
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // the rest stay packages: xstate and React (an app's own copy must be the one our machine and hooks
  // use), get-port (one module; an app's own get-port of the same major must share its in-process lock
  // with ours, or it hands out the port a starting backend was just given), koffi (native parts), yaml
  // (the CLI's, loaded on demand)
  plugins: [bundleOnly(['execa', 'undici']), builtinsForCommonJs()],
  metafile: true,
  sourcemap: true,
  logLevel: 'warning',
});
chmodSync(join(dist, 'bundle', 'cli.js'), 0o755);

// every package whose code went into the bundle, with its licence text (the MIT licence asks for it in every copy)
const packageRoot = (input) => /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1];
const roots = [...new Set(Object.keys(metafile.inputs).map(packageRoot).filter((dir) => dir !== undefined))].sort();
const notices = roots.map((dir) => {
  const { name, version, license } = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
  const entries = readdirSync(join(root, dir));
  const file = entries.find((entry) => /^licen[cs]e/i.test(entry));
  if (file === undefined) throw new Error(`bundle: ${name} ships no licence file, so its code cannot go into the bundle`);
  // an Apache-2.0 package's NOTICE travels with its code too
  const notice = entries.find((entry) => /^notice/i.test(entry));
  const texts = [file, notice].filter((entry) => entry !== undefined).map((entry) => readFileSync(join(root, dir, entry), 'utf8').trim());
  return `${name} ${version} (${license})\n\n${texts.join('\n\n')}\n`;
});
writeFileSync(
  join(dist, 'bundle', 'THIRD-PARTY-LICENSES.txt'),
  `The bundle in this folder contains code of the following packages, under their own licences.\n\n${notices.join('\n---\n\n')}`,
);
