import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { isRunning } from '../helpers/leaks.js';
import { fixture, tempDir } from '../helpers/supervisor.js';

describe('the CLI contract', () => {
  it('--json: the first line is the first real change, the last line is the outcome (error with its code)', async () => {
    const run = runCli(['--max-restarts', '0', '--', process.execPath, fixture('crash-on-start.mjs')]);
    expect(await run.exit).toBe(1);
    expect(run.statuses[0]).toMatchObject({ status: 'starting' });
    expect(run.statuses.at(-1)).toMatchObject({ status: 'error', error: { code: 'CRASHED_DURING_STARTUP' } });
  });

  it('SIGHUP (the terminal closed) stops the backend gracefully and exits 0', async () => {
    const run = runCli(['--', process.execPath, fixture('healthy.mjs')]);
    const running = await run.waitFor((s) => s.status === 'running');
    run.child.kill('SIGHUP');
    expect(await run.exit).toBe(0);
    expect(run.statuses.at(-1)).toMatchObject({ status: 'stopped' });
    expect(isRunning(running.pid as number)).toBe(false);
  });

  it('a --json reader that goes away (EPIPE) never interrupts the graceful stop', async () => {
    // the backend takes 400 ms to shut down after SIGTERM; a SIGKILL mid-grace would cut that short
    const run = runCli(['--grace-ms', '3000', '--', process.execPath, fixture('slow-shutdown.mjs')]);
    const running = await run.waitFor((s) => s.status === 'running');
    run.child.stdout?.destroy();
    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(0);
    expect(run.stderr.join('')).toBe('');
    expect(isRunning(running.pid as number)).toBe(false);
  });

  it('refuses an impossible, busy or unwritable UI/inspection target with exit 2 and the exact problem', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const busyPort = (busy.address() as { port: number }).port;
    const missing = join(tempDir('inspect'), 'no-such-dir', 'events.jsonl');
    try {
      const cases: [string[], string][] = [
        [['--ui', '--ui-port', '70000'], 'backend-lifecycle: Option --ui-port expects a port from 0 to 65535, got 70000'],
        [['--ui', '--ui-port', String(busyPort)], `backend-lifecycle: cannot serve the inspector page on 127.0.0.1:${busyPort}: the port is in use (EADDRINUSE)`],
        [['--inspect-log', missing], `backend-lifecycle: cannot write --inspect-log ${missing}: no such directory (ENOENT)`],
      ];
      for (const [flags, message] of cases) {
        const run = runCli([...flags, '--', process.execPath, fixture('healthy.mjs')]);
        expect(await run.exit, flags.join(' ')).toBe(2);
        expect(run.stderr.join('').split('\n')[0]).toBe(message);
        expect(run.statuses).toEqual([]);
      }
    } finally {
      busy.close();
    }
  });
});
