import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { BackendStatusInfo } from '../../src/index.js';
import { attachBackendToElectron, installUpdateAfterStop, IpcChannel } from '../../src/electron/main.js';
import { createBackendBridge, exposeBackendBridge } from '../../src/electron/preload.js';
import { createBackendClient } from '../../src/electron/renderer.js';
import { electronDoubles } from '../helpers/electron-doubles.js';
import { isRunning } from '../helpers/leaks.js';
import { nextStatus, supervise } from '../helpers/supervisor.js';

function setup(script = 'execute-backend.mjs', overrides: Parameters<typeof supervise>[1] = {}, extra: { quitDeadlineMs?: number; controls?: boolean; direct?: boolean } = {}) {
  const electron = electronDoubles();
  const logs: string[] = [];
  const run = supervise(script, overrides);
  const detach = attachBackendToElectron(run.supervisor, {
    ...electron,
    trustedOrigins: ['file://'],
    // a time limit a loaded machine cannot trip on the quick calls (300 ms did, on the original code too); 'slow' still exceeds it
    execute: { commands: ['echo', 'slow', 'big', 'locked', 'invalid'], timeoutMs: 3_000, maxPayloadBytes: 1024 },
    log: (message) => logs.push(message),
    ...extra,
  });
  return { ...electron, ...run, logs, detach };
}

describe("electron main: the channels of MineContext's backend manager", () => {
  it("answers get-port, get-status and get-connection (with direct: true) with the shapes of MineContext's backend manager", async () => {
    const { supervisor, ipcMain, openWindow } = setup('execute-backend.mjs', {}, { direct: true });
    const window = openWindow();
    expect(await ipcMain.invoke(IpcChannel.Backend_GetPort, window.event())).toBe(0);
    const running = await supervisor.start();
    expect(await ipcMain.invoke('backend:get-port', window.event())).toBe(running.port);
    const status = (await ipcMain.invoke('backend:get-status', window.event())) as BackendStatusInfo;
    expect(status).toMatchObject({ status: 'running', port: running.port });
    expect(new Date(status.timestamp).toISOString()).toBe(status.timestamp);
    expect(await ipcMain.invoke('backend:get-connection', window.event())).toEqual({
      baseUrl: `http://127.0.0.1:${running.port}`,
      port: running.port,
      headers: { 'X-API-Key': supervisor.getApiKey() },
    });
  });

  it('pushes every status change to every live window, skips destroyed ones, and a late window can ask', async () => {
    const { supervisor, ipcMain, openWindow } = setup();
    const [a, b, gone] = [openWindow(), openWindow(), openWindow()];
    gone.destroy();
    await supervisor.start();
    const statuses = (window: typeof a) => window.webContents.sent.filter((m) => m.channel === 'backend:status-changed').map((m) => (m.args[0] as BackendStatusInfo).phase);
    expect(statuses(a)).toEqual(['starting.preparing', 'starting.reapingOrphans', 'starting.allocatingPort', 'starting.spawning', 'starting.waitingForHealth', 'running']);
    expect(statuses(b)).toEqual(statuses(a));
    expect(gone.webContents.sent).toEqual([]);
    const late = openWindow();
    expect(((await ipcMain.invoke('backend:get-status', late.event())) as BackendStatusInfo).status).toBe('running');
  });

  it('refuses untrusted senders with an error, and logs them', async () => {
    const { ipcMain, openWindow, logs } = setup();
    const window = openWindow();
    const stranger = { sender: { send() {}, isDestroyed: () => false, getURL: () => 'file:///app/index.html' }, senderFrame: { url: 'file:///app/index.html' } };
    await expect(ipcMain.invoke('backend:get-port', window.event('https://evil.example/x'))).rejects.toThrow('backend-lifecycle: backend:get-port refused: origin https://evil.example is not trusted');
    await expect(ipcMain.invoke('backend:get-connection', stranger)).rejects.toThrow("file:///app/index.html is not in one of the app's windows");
    // execute() answers, never rejects: a refused sender gets an { ok: false } answer
    expect(await ipcMain.invoke('python:execute', { sender: window.webContents, senderFrame: null }, { command: 'echo' })).toEqual({
      ok: false,
      error: { code: 'UNTRUSTED_SENDER', message: 'backend-lifecycle: python:execute refused: the sending frame is gone' },
    });
    expect(logs).toHaveLength(3);
  });

  it('python:execute forwards allowlisted commands with the API key and limits size and time', async () => {
    const { supervisor, ipcMain, openWindow } = setup();
    const window = openWindow();
    const call = (request: unknown) => ipcMain.invoke('python:execute', window.event(), request);
    expect(await call({ command: 'echo', payload: { a: 1 } })).toMatchObject({ ok: false, error: { code: 'BACKEND_NOT_RUNNING' } });
    await supervisor.start();
    expect(await call({ command: 'echo', payload: { a: 1 } })).toEqual({ ok: true, status: 200, data: { result: { a: 1 } } });
    expect(await call({ command: 'rm -rf', payload: null })).toEqual({ ok: false, error: { code: 'NOT_ALLOWED', message: 'Command "rm -rf" is not on the allowlist' } });
    expect(await call({ command: 'echo', payload: 'x'.repeat(2_000) })).toEqual({ ok: false, error: { code: 'PAYLOAD_TOO_LARGE', message: 'payload exceeds 1024 bytes' } });
    expect(await call({ command: 'slow', payload: 20_000 })).toEqual({ ok: false, error: { code: 'TIMEOUT', message: 'the backend did not answer within 3000 ms' } });
    expect(await call({ command: 'big' })).toMatchObject({ ok: false, error: { code: 'BACKEND_ERROR', message: 'the backend answer is too large' } });
    expect(await call('echo')).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    // FastAPI's error shapes reach the renderer as the message the backend gave, not "HTTP 409"
    expect(await call({ command: 'locked' })).toEqual({ ok: false, error: { code: 'BACKEND_ERROR', message: 'the document is locked', status: 409 } });
    expect(await call({ command: 'invalid' })).toEqual({ ok: false, error: { code: 'BACKEND_ERROR', message: 'body.payload.count: field required', status: 422 } });
    expect((await supervisor.stop()).status).toBe('stopped');
  });
});

describe('electron main: quit, failure dialog, dispose', () => {
  it('a quit that another before-quit handler cancelled (unsaved changes) leaves the backend running and is not re-issued', async () => {
    const { supervisor, app } = setup();
    await supervisor.start();
    app.on('before-quit', (event: { preventDefault(): void }) => event.preventDefault());
    app.quit();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(supervisor.getStatus().status).toBe('running');
    expect(app.quitAttempts).toBe(1);
    expect(app.quitted).toBe(false);
    await supervisor.stop();
  });

  it('an update is installed only once the backend is stopped (a backend holding its files makes installers fail)', async () => {
    const { supervisor } = setup();
    const { pid } = await supervisor.start();
    const seenAtInstall: { status: string; alive: boolean }[] = [];
    await installUpdateAfterStop(supervisor, () => seenAtInstall.push({ status: supervisor.getStatus().status, alive: isRunning(pid as number) }));
    expect(seenAtInstall).toEqual([{ status: 'stopped', alive: false }]);
  });

  it('status pushes reach only windows whose page is trusted', async () => {
    const { supervisor, openWindow } = setup();
    const ours = openWindow();
    const navigated = openWindow();
    navigated.webContents.url = 'https://evil.example/phish';
    const other = openWindow('http://localhost:9999/');
    await supervisor.start();
    expect(ours.webContents.sent.length).toBeGreaterThan(0);
    expect(navigated.webContents.sent).toEqual([]);
    expect(other.webContents.sent).toEqual([]);
    await supervisor.stop();
  });

  it('start/stop/restart from the page are refused unless main enables controls, then work for trusted frames only', async () => {
    const off = setup();
    await expect(off.ipcMain.invoke('backend:start', off.openWindow().event())).rejects.toThrow("backend-lifecycle: start() from the page is off (attachBackendToElectron's controls option)");
    expect(off.supervisor.getStatus().status).toBe('stopped');
    const on = setup('execute-backend.mjs', {}, { controls: true });
    const bridge = createBackendBridge(on.rendererOf(on.openWindow()));
    expect((await bridge.start()).status).toBe('running');
    expect((await bridge.restart()).status).toBe('running');
    await expect(on.ipcMain.invoke('backend:stop', on.openWindow().event('https://evil.example/'))).rejects.toThrow('origin https://evil.example is not trusted');
    expect((await bridge.stop()).status).toBe('stopped');
  });

  it('will-quit is held until the backend is stopped, then the app exits; a second quit does not start a second stop', async () => {
    const { supervisor, app, statuses } = setup();
    const running = await supervisor.start();
    app.quit();
    app.quit();
    expect(app.quitted).toBe(false);
    await nextStatus(supervisor, (s) => s.status === 'stopped');
    await new Promise((resolve) => setImmediate(resolve));
    expect(app.quitted).toBe(true);
    // one app.exit(0) after the stop, not a re-issued app.quit(): the user's quit ran before-quit once, the second Cmd-Q once more
    expect(app.exits).toEqual([0]);
    expect(app.beforeQuitRuns).toBe(2);
    expect(statuses.filter((s) => s.phase === 'stopping.terminating')).toHaveLength(1);
    expect(isRunning(running.pid as number)).toBe(false);
  });

  it('a backend that will not stop cannot hang quit: app.exit() after the deadline', async () => {
    const { supervisor, app } = setup('ignores-sigterm.mjs', { shutdown: { graceMs: 1_500 } }, { quitDeadlineMs: 200 });
    await supervisor.start();
    app.quit();
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(app.exits).toEqual([0]);
    expect(supervisor.getStatus().phase).toBe('stopping.terminating');
  });

  it('shows one failure dialog with the mapped message and log file, not one per retry', async () => {
    const { supervisor, dialog } = setup('crash-on-start.mjs', { env: { FIXTURE_CRASH_VARIES: '1' }, restart: { maxRestarts: 2, initialDelayMs: 10 } });
    await expect(supervisor.start()).rejects.toMatchObject({ code: 'RESTART_LIMIT' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(dialog.shown).toHaveLength(1);
    expect(dialog.shown[0]).toMatchObject({ type: 'error', title: 'Backend server failed to start' });
    expect(dialog.shown[0]?.message).toMatch(/^Backend server could not be kept running: gave up after 2 restarts .* Backend server crashed during startup \(exit code 3; /);
    // the hint (the crash printed ModuleNotFoundError) comes first, then the code and the log
    expect(dialog.shown[0]?.detail).toMatch(/^The Python interpreter that ran \(.+\) lacks the app's packages \(No module named fastapi\): .+\n\nError code: RESTART_LIMIT\n\nLog file: \/.+\.log$/);
    expect(dialog.shown[0]?.buttons).toEqual(['OK', 'Save report…']);
  });

  it('dispose removes every handler and listener it added', async () => {
    const { supervisor, ipcMain, app, openWindow, detach } = setup();
    const window = openWindow();
    expect([...ipcMain.handlers.keys()].sort()).toEqual([
      'backend:get-connection',
      'backend:get-port',
      'backend:get-status',
      'backend:restart',
      'backend:start',
      'backend:stop',
      'python:execute',
    ]);
    expect(ipcMain.listeners.listenerCount('backend:fetch')).toBe(1);
    expect(app.listenerCount('will-quit')).toBe(1);
    detach();
    expect(ipcMain.handlers.size).toBe(0);
    expect(ipcMain.listeners.listenerCount('backend:fetch')).toBe(0);
    expect(app.listenerCount('will-quit')).toBe(0);
    await supervisor.start();
    expect(window.webContents.sent).toEqual([]);
    app.quit();
    expect(app.quitted).toBe(true);
  });
});

describe('electron preload bridge and renderer client', () => {
  it('exposes exactly one narrow object, never ipcRenderer', () => {
    const { openWindow, rendererOf } = electronDoubles();
    const exposed: Record<string, unknown> = {};
    exposeBackendBridge({ contextBridge: { exposeInMainWorld: (key, api) => (exposed[key] = api) }, ipcRenderer: rendererOf(openWindow()) });
    expect(Object.keys(exposed)).toEqual(['backend']);
    expect(Object.keys(exposed.backend as object).sort()).toEqual(['execute', 'getConnection', 'getPort', 'getStatus', 'getSystemStatus', 'onServiceStatusChanged', 'onStatusChanged', 'request', 'restart', 'start', 'stop']);
    expect(Object.values(exposed.backend as object).every((value) => typeof value === 'function')).toBe(true);
  });

  it('the bridge and client follow the backend when a restart has to move to another port', async () => {
    const { supervisor, openWindow, rendererOf } = setup('execute-backend.mjs', {}, { direct: true });
    const window = openWindow();
    const bridge = createBackendBridge(rendererOf(window));
    const seen: string[] = [];
    const off = bridge.onStatusChanged((status) => seen.push(status.status));
    const client = createBackendClient(bridge);
    await supervisor.start();
    const first = await client.connection();
    expect(await client.execute('echo', 1)).toMatchObject({ ok: true, status: 200 });
    await supervisor.stop();
    // someone else takes the old port meanwhile: the next launch must move
    const squatter = createServer().listen(first.port, '127.0.0.1');
    await new Promise((resolve) => squatter.once('listening', resolve));
    const restarted = await supervisor.start().finally(() => squatter.close());
    const second = await client.connection();
    expect(second.port).toBe(restarted.port);
    expect(second.port).not.toBe(first.port);
    expect((await client.fetch('/api/health')).status).toBe(200);
    expect(await bridge.getPort()).toBe(restarted.port);
    off();
    client.dispose();
    await supervisor.stop();
    expect(seen.at(-1)).toBe('running');
    expect(window.webContents.renderer.listenerCount('backend:status-changed')).toBe(0);
  });
});
