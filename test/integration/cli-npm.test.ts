// Through npm (`npx backend-lifecycle`, `npm start`) the CLI runs under npm's `sh -c`. A SIGTERM
// sent to npm alone (`timeout 60 npm start`, a dev script's `child.kill()`, a process manager that
// signals its child only) makes npm exit at once; sh passes nothing on, so the CLI and the backend
// would go on running for nobody, holding the port.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import type { BackendStatusInfo } from '../../src/index.js';
import { processesWithEnv } from '../helpers/leaks.js';
import { fixture, markerEnv, portRange, tempDir, testMarker } from '../helpers/supervisor.js';

const root = join(import.meta.dirname, '../..');

/** `run` or `up` of the fixture backend, its files under `dir`, as npm starts it. */
function cliArgs(verb: 'run' | 'up', dir: string): string[] {
  const { base, attempts } = portRange();
  const files = { logDir: join(dir, 'logs'), stateDir: join(dir, 'state') };
  if (verb === 'run') {
    const flags = ['--log-dir', files.logDir, '--state-dir', files.stateDir, '--port-base', String(base), '--port-attempts', String(attempts)];
    return ['run', '--json', ...flags, '--', process.execPath, fixture('healthy.mjs')];
  }
  const system = { services: { api: { command: process.execPath, args: [fixture('healthy.mjs')], port: { base, attempts }, env: markerEnv, ...files } } };
  writeFileSync(join(dir, 'system.json'), JSON.stringify(system));
  return ['up', '--json', join(dir, 'system.json')];
}

describe.skipIf(process.platform === 'win32')('backend-lifecycle through npm', () => {
  it.each(['run', 'up'] as const)('%s: a SIGTERM to npm alone stops the backend gracefully too, and the CLI exits', { timeout: 60_000 }, async (verb) => {
    const dir = tempDir('npm');
    const npm = spawn('npm', ['exec', '--no', '--', 'backend-lifecycle', ...cliArgs(verb, dir)], {
      cwd: root,
      env: { ...process.env, ...markerEnv, npm_config_update_notifier: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => npm.once('exit', (code, signal) => resolve(signal ?? code)));
    const running = await new Promise<BackendStatusInfo>((resolve, reject) => {
      createInterface({ input: npm.stdout }).on('line', (line) => {
        const status = JSON.parse(line) as BackendStatusInfo;
        if (status.status === 'running') resolve(status);
      });
      void exited.then((how) => reject(new Error(`npm exited (${how}) before the backend ran`)));
    });
    expect(running.pid).toBeGreaterThan(0);

    npm.kill('SIGTERM');
    expect(await exited).toBe('SIGTERM');
    // npm is gone at once; what it started must follow (a generous bound for a loaded machine, not a timing)
    let left = processesWithEnv('BL_TEST_MARKER', testMarker);
    for (let waited = 0; left.length > 0 && waited < 30_000; waited += 200) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      left = processesWithEnv('BL_TEST_MARKER', testMarker);
    }
    expect(left, 'processes still running after npm was terminated').toEqual([]);
    // stopped the graceful way (SIGTERM, a clean exit), not killed
    const log = readdirSync(join(dir, 'logs'))
      .filter((name) => name.endsWith('.log'))
      .map((name) => readFileSync(join(dir, 'logs', name), 'utf8'))
      .join('');
    expect(log).toMatch(/exited with (code 0|signal SIGTERM)/);
    expect(log).not.toMatch(/SIGKILL/);
  });
});
