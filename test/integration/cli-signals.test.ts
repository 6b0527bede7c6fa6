import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { cliPath, runUp } from '../helpers/cli.js';
import { fixture, markerEnv, portRange, tempDir } from '../helpers/supervisor.js';

const run = promisify(execFile);

/** A system file of one or two fixture services in a fresh folder. */
function systemFile(script: string, extra: Record<string, unknown> = {}, count = 1) {
  const dir = tempDir('signals');
  const services = Object.fromEntries(
    Array.from({ length: count }, (_, index) => [`s${index}`, { command: process.execPath, args: [fixture(script)], port: portRange(), logDir: 'logs', stateDir: 'state', ...extra }]),
  );
  const file = join(dir, 'system.json');
  writeFileSync(file, JSON.stringify({ services }));
  return file;
}

describe('backend-lifecycle up and signals', () => {
  it.skipIf(process.platform === 'win32')('a closed terminal (SIGHUP) stops the system gracefully and exits 0, not with SIGABRT', async () => {
    const file = systemFile('healthy.mjs');
    // human output on a terminal: "running" appears once the service runs
    const { stdout } = await run('python3', [fixture('pty-hangup.py'), 'running', process.execPath, cliPath, 'up', file], { env: { ...process.env, ...markerEnv }, timeout: 60_000 });
    expect(JSON.parse(stdout)).toEqual({ sawMarker: true, exitCode: 0, signal: null });
  }, 90_000);

  it('a second Ctrl-C during a stop ends what is left at once, says so, and exits 130', async () => {
    // services that ignore SIGTERM: a graceful stop would wait out their grace (a minute each)
    const file = systemFile('ignores-sigterm.mjs', { shutdown: { graceMs: 60_000 } }, 2);
    const up = runUp([file]);
    await up.waitFor((s) => s.service === 's1' && s.status === 'running');
    await up.waitFor((s) => s.service === 's0' && s.status === 'running');
    up.child.kill('SIGINT');
    await up.waitFor((s) => s.status === 'stopping');
    // a copy of the first (npm forwards the terminal's Ctrl-C at once) is not a second one: wait past it
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    up.child.kill('SIGINT');
    expect(await up.exit).toBe(130);
    expect(up.stderr.join('')).toContain('backend-lifecycle: second signal: ending what is left now (SIGKILL), without waiting for a graceful stop');
  }, 60_000);
});
