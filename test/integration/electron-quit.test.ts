// Issue 19, item 6: one user quit is one before-quit, the quit deadline follows the whole stop plan,
// and every failed or abandoned update brings the backend back.
import { describe, expect, it, vi } from 'vitest';
import { createBackendSystem } from '../../src/index.js';
import { attachBackendToElectron, attachSystemToElectron, installUpdateAfterStop } from '../../src/electron/main.js';
import { electronDoubles } from '../helpers/electron-doubles.js';
import { markerEnv, nextStatus, stopAfterTest, supervise, tempDir, testOptions } from '../helpers/supervisor.js';

const until = (check: () => boolean, ms = 20_000) =>
  new Promise<void>((resolve, reject) => {
    const started = Date.now();
    const timer = setInterval(() => {
      if (check()) resolve(clearInterval(timer));
      else if (Date.now() - started > ms) {
        clearInterval(timer);
        reject(new Error(`not within ${ms} ms`));
      }
    }, 10);
  });

describe('quit', () => {
  it('one user quit runs before-quit once: after the stop the app exits instead of quitting again', async () => {
    const electron = electronDoubles();
    const { supervisor } = supervise('healthy.mjs');
    attachBackendToElectron(supervisor, { ...electron, trustedOrigins: ['file://'] });
    await supervisor.start();
    electron.app.quit();
    await until(() => electron.app.quitted);
    expect(electron.app.beforeQuitRuns).toBe(1);
    expect(electron.app.exits).toEqual([0]);
    expect(supervisor.getStatus().status).toBe('stopped');
  });

  it('a before-quit handler that cancels only a second round cannot leave the app open without its backend', async () => {
    const electron = electronDoubles();
    const { supervisor } = supervise('healthy.mjs');
    attachBackendToElectron(supervisor, { ...electron, trustedOrigins: ['file://'] });
    await supervisor.start();
    // e.g. an "are you sure?" that asks on every before-quit after the first
    electron.app.on('before-quit', (event: { preventDefault(): void }) => {
      if (electron.app.beforeQuitRuns > 1) event.preventDefault();
    });
    electron.app.quit();
    await until(() => electron.app.quitted || electron.app.beforeQuitRuns > 1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(electron.app.quitted).toBe(true);
    expect(electron.app.beforeQuitRuns).toBe(1);
  });

  it("with a system, the deadline covers every service's grace, not the primary's alone", async () => {
    const dir = tempDir('quit-system');
    const service = (graceMs: number, needs: string[]) => ({
      ...testOptions('slow-shutdown.mjs', dir),
      shutdown: { graceMs },
      dependsOn: needs,
      env: { ...markerEnv, FIXTURE_SHUTDOWN_MS: '7000' },
    });
    // each needs 7 s to flush within its 8 s grace, one after the other: the primary's grace + 5 s (13 s) would cut the store mid-flush
    const system = createBackendSystem({ services: { store: service(8_000, []), api: service(8_000, ['store']) } });
    stopAfterTest(system);
    const electron = electronDoubles();
    const logs: string[] = [];
    attachSystemToElectron(system, { ...electron, trustedOrigins: ['file://'], primary: 'api', log: (line) => logs.push(line) });
    await system.start();
    electron.app.quit();
    await until(() => electron.app.quitted, 40_000);
    expect(logs.filter((line) => line.includes('did not stop'))).toEqual([]);
    expect(system.getStatus().status).toBe('stopped');
  }, 60_000);
});

describe('update', () => {
  it('an install that throws brings the backend back, then rethrows', async () => {
    const { supervisor } = supervise('healthy.mjs');
    await supervisor.start();
    const failure = new Error('no update file');
    await expect(
      installUpdateAfterStop(supervisor, () => {
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(supervisor.getStatus().status).toBe('running');
  });

  it("the default log shows the backend's words terminal-safe: an Electron app started from a terminal writes its main process's warnings there", async () => {
    // a backend that crashes on the way back with a last line that sets the title, clears the screen and writes the clipboard
    const { supervisor } = supervise('hostile-output.mjs');
    const warnings: string[] = [];
    const spy = vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => void warnings.push(args.join(' ')));
    try {
      await expect(
        installUpdateAfterStop(supervisor, () => {
          throw new Error('no update file');
        }),
      ).rejects.toThrow('no update file');
    } finally {
      spy.mockRestore();
    }
    expect(warnings.join('\n')).toMatch(/starting the backend again failed: Backend server crashed during startup/);
    expect(warnings.join('\n')).toContain('\\x1b]0;title\\x07');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: raw controls are what must not reach the terminal
    expect(warnings.join('\n')).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
  });

  it('an install that returns without quitting (electron-updater without an update file) brings the backend back', async () => {
    const electron = electronDoubles();
    const { supervisor } = supervise('healthy.mjs');
    await supervisor.start();
    await installUpdateAfterStop(supervisor, () => {}, { app: electron.app, quitWithinMs: 300 });
    expect(supervisor.getStatus().status).toBe('stopped');
    await nextStatus(supervisor, (status) => status.status === 'running');
  });

  it('an install that quits the app leaves the backend stopped', async () => {
    const electron = electronDoubles();
    const { supervisor } = supervise('healthy.mjs');
    attachBackendToElectron(supervisor, { ...electron, trustedOrigins: ['file://'] });
    await supervisor.start();
    await installUpdateAfterStop(supervisor, () => electron.app.quit(), { app: electron.app, quitWithinMs: 300 });
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(supervisor.getStatus().status).toBe('stopped');
    expect(electron.app.quitted).toBe(true);
  });
});
