// Reproductions from the attack on issue 24's bundling (brief a29): an app that bundles the package,
// or that uses get-port itself, next to dist/bundle. Each runs the app as a child process, as a user's
// build would run: the supervisor in it stops its backend before it exits (the exit hook otherwise).
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { fixture, markerEnv, portRange, tempDir } from '../helpers/supervisor.js';

const run = promisify(execFile);
const root = join(import.meta.dirname, '../..');
const entry = join(root, 'dist/bundle/index.js');
const built = existsSync(entry);

/**
 * An app's main module: supervises APP_BACKEND on APP_PORT_BASE, runs `body` (which fills `result`),
 * stops, and prints `result` as one JSON line (`from`: how it names the package's entry). No top-level await: CommonJS output has none.
 */
function appSource(imports: string, body: string, from = pathToFileURL(entry).href): string {
  return `${imports}
import { createBackendSupervisor } from ${JSON.stringify(from)};
const dir = process.env.APP_DIR;
const supervisor = createBackendSupervisor({ command: process.execPath, args: [process.env.APP_BACKEND], port: { base: Number(process.env.APP_PORT_BASE), attempts: 20 }, logDir: dir + '/logs', stateDir: dir + '/state', shutdown: { graceMs: 500 }, health: { startupTimeoutMs: 20000 } });
async function main() {
  const result = {};
  try {
${body}
  } catch (error) {
    result.error = String(error);
  } finally {
    await supervisor.stop();
  }
  console.log(JSON.stringify(result));
}
void main();
`;
}

async function runApp(file: string, backend: string): Promise<Record<string, unknown>> {
  const dir = tempDir('app');
  const env = { ...process.env, ...markerEnv, APP_DIR: dir, APP_BACKEND: fixture(backend), APP_PORT_BASE: String(portRange().base) };
  const { stdout } = await run(process.execPath, [file], { env, timeout: 60_000 });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
}

describe('apps around the bundle (attack a29)', () => {
  it.skipIf(!built)('an Electron main bundled by esbuild as CommonJS can ask its supervisor for a report', async () => {
    const dir = tempDir('cjs-app');
    const source = join(dir, 'main.mjs');
    writeFileSync(source, appSource('', '    await supervisor.start();\n    result.report = Object.keys(await supervisor.report()).length > 0;', entry)); // a path: esbuild resolves no file: URL
    const out = join(dir, 'main.cjs');
    // what an Electron app's build does with its main process (koffi stays a package: it has native parts)
    await build({ entryPoints: [source], bundle: true, platform: 'node', format: 'cjs', outfile: out, external: ['koffi'], logLevel: 'silent' });
    expect(await runApp(out, 'healthy.mjs')).toEqual({ report: true });
  });

  it.skipIf(!built || !existsSync(join(root, 'node_modules/get-port')))(
    "an app's own get-port does not hand out the port a starting backend was just given (as it did when get-port was shared)",
    async () => {
      const dir = tempDir('get-port-app');
      const file = join(dir, 'main.mjs');
      const getPortUrl = pathToFileURL(join(root, 'node_modules/get-port/index.js')).href;
      writeFileSync(
        file,
        appSource(
          `import getPort, { portNumbers } from ${JSON.stringify(getPortUrl)};`,
          `    void supervisor.start().catch(() => {});
    // the backend has its port but has not bound it yet (this one never does)
    await new Promise((resolve) => { const off = supervisor.subscribe((s) => { if (s.phase === 'starting.waitingForHealth') { off(); resolve(); } }); });
    const base = Number(process.env.APP_PORT_BASE);
    result.backend = supervisor.getPort();
    result.app = await getPort({ port: portNumbers(base, base + 19) });`,
        ),
      );
      const { backend, app } = await runApp(file, 'never-listens.mjs');
      expect(typeof backend).toBe('number');
      expect(app).not.toBe(backend);
    },
  );
});
