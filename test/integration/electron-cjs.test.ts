// Issue 19, item 9: an unbundled CommonJS main process require()s the ESM-only package. That works
// where Node has require(esm) unflagged (20.19+, 22.12+): Electron 35+ (Node 22.14+). Electron 30–34
// ship Node 20.11–20.18, without it: peerDependencies.electron says ">=35".
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/supervisor.js';

const run = promisify(execFile);
const root = join(import.meta.dirname, '../..');
const bundle = (name: string) => join(root, 'dist/bundle', `${name}.js`);

describe('CommonJS main processes', () => {
  it.skipIf(!existsSync(bundle('electron-main')))('require() of every Electron and React entry works from a .cjs file on this Node', async () => {
    const dir = tempDir('cjs');
    const script = join(dir, 'main.cjs');
    writeFileSync(
      script,
      [
        `const main = require(${JSON.stringify(bundle('electron-main'))});`,
        `const preload = require(${JSON.stringify(bundle('electron-preload'))});`,
        `const renderer = require(${JSON.stringify(bundle('electron-renderer'))});`,
        `const core = require(${JSON.stringify(bundle('index'))});`,
        'console.log([typeof main.attachBackendToElectron, typeof preload.exposeBackendBridge, typeof renderer.createBackendClient, typeof core.createBackendSupervisor].join(" "));',
      ].join('\n'),
    );
    const { stdout } = await run(process.execPath, [script]);
    expect(stdout.trim()).toBe('function function function function');
    // a Node without require(esm) (Electron 30–34's) refuses the same file: hence the peer range
    const without = await run(process.execPath, ['--no-experimental-require-module', script]).then(
      () => 'loaded',
      (error: { stderr: string }) => error.stderr,
    );
    expect(without).toMatch(/ERR_REQUIRE_ESM|require\(\) of ES Module/);
  });

  it('package.json promises only the Electron versions whose Node can require() it', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { peerDependencies: Record<string, string>; engines: Record<string, string> };
    expect(pkg.peerDependencies.electron).toBe('>=35');
    expect(pkg.engines.node).toBe('>=20.19');
  });
});
