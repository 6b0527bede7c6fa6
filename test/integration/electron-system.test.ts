import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BackendStatusInfo } from '../../src/index.js';
import { createBackendSystem } from '../../src/index.js';
import { attachSystemToElectron, IpcChannel } from '../../src/electron/main.js';
import { createBackendBridge } from '../../src/electron/preload.js';
import { createBackendClient } from '../../src/electron/renderer.js';
import { electronDoubles } from '../helpers/electron-doubles.js';
import { isRunning } from '../helpers/leaks.js';
import { markerEnv, stopAfterTest, tempDir, testOptions } from '../helpers/supervisor.js';

/** db ← api, real fixture processes, wired into Electron doubles with api as the primary service. */
function setup(extra: { controls?: boolean } = {}) {
  const dir = tempDir('electron-system');
  const events = join(dir, 'events.log');
  writeFileSync(events, '');
  const service = (name: string, needs: string[]) => ({
    ...testOptions('system-service.mjs', dir),
    dependsOn: needs,
    env: { ...markerEnv, FIXTURE_NAME: name, FIXTURE_EVENTS: events, FIXTURE_NEEDS: needs.join(',') },
  });
  const system = createBackendSystem({ services: { db: service('db', []), api: service('api', ['db']) } });
  stopAfterTest(system);
  const electron = electronDoubles();
  const logs: string[] = [];
  const detach = attachSystemToElectron(system, { ...electron, trustedOrigins: ['file://'], primary: 'api', log: (line) => logs.push(line), ...extra });
  return { system, electron, logs, detach, events: () => readFileSync(events, 'utf8').trim().split('\n') };
}

describe('electron main with a system of backends', () => {
  it("MineContext's channels answer for the primary service; every service's status is asked for and pushed by name", async () => {
    const { system, electron } = setup();
    const window = electron.openWindow();
    const bridge = createBackendBridge(electron.rendererOf(window));
    const pushed: { service: string; status: BackendStatusInfo['status'] }[] = [];
    bridge.onServiceStatusChanged((service, status) => pushed.push({ service, status: status.status }));
    const primaryPushes: number[] = [];
    bridge.onStatusChanged((status) => primaryPushes.push(status.port));

    await system.start();
    const api = system.service('api').getStatus();
    expect(await bridge.getPort()).toBe(api.port);
    expect(await bridge.getStatus()).toMatchObject({ status: 'running', port: api.port });
    const whole = await bridge.getSystemStatus();
    expect(whole.status).toBe('running');
    expect(Object.keys(whole.services).sort()).toEqual(['api', 'db']);
    expect(whole.services.db).toMatchObject({ status: 'running', port: system.service('db').getPort() });
    // db ran before api started, and the pushes say so in that order
    const dbRunning = pushed.findIndex((p) => p.service === 'db' && p.status === 'running');
    const apiStarting = pushed.findIndex((p) => p.service === 'api' && p.status === 'starting');
    expect(dbRunning).toBeGreaterThanOrEqual(0);
    expect(dbRunning).toBeLessThan(apiStarting);
    expect(primaryPushes.at(-1)).toBe(api.port);
    // the proxy goes to the primary service
    const client = createBackendClient(bridge);
    expect((await client.fetch('/api/health')).status).toBe(200);
    client.dispose();
  });

  it('quitting waits for the whole system to stop, dependents first, then quits', async () => {
    const { system, electron, events } = setup();
    await system.start();
    const pids = system.names.map((name) => system.service(name).getStatus().pid as number);
    electron.app.quit();
    expect(electron.app.quitted).toBe(false);
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (electron.app.quitted) resolve(clearInterval(timer));
      }, 10);
    });
    expect(system.getStatus().status).toBe('stopped');
    expect(events().slice(-2)).toEqual(['api stop', 'db stop']);
    for (const pid of pids) expect(isRunning(pid)).toBe(false);
  });

  it("a page's controls act on the system, never on the primary's supervisor behind its back", async () => {
    const { system, electron } = setup({ controls: true });
    const bridge = createBackendBridge(electron.rendererOf(electron.openWindow()));
    expect((await bridge.start()).status).toBe('running');
    expect(system.getStatus().status).toBe('running');
    const restarted = await bridge.restart();
    expect(restarted.status).toBe('running');
    expect(system.getStatus().status).toBe('running');
    expect((await bridge.stop()).status).toBe('stopped');
    // the system stopped as a whole: nothing restarts the primary, and its dependency is down too
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(system.service('api').getStatus().status).toBe('stopped');
    expect(system.service('db').getStatus().status).toBe('stopped');
    expect(system.getStatus().status).toBe('stopped');
  });

  it("the proxy never forwards the primary's stop request: the same page policy as for one backend", async () => {
    const dir = tempDir('electron-system-stop-request');
    const system = createBackendSystem({
      services: { api: { ...testOptions('proxy-backend.mjs', dir), shutdown: { graceMs: 1_000, request: { path: '/api/shutdown' } } } },
    });
    stopAfterTest(system);
    const electron = electronDoubles();
    attachSystemToElectron(system, { ...electron, trustedOrigins: ['file://'], primary: 'api', log: () => {} });
    const client = createBackendClient(createBackendBridge(electron.rendererOf(electron.openWindow())));
    await system.start();
    const { pid } = system.service('api').getStatus();
    const answer = await client.fetch('/api/shutdown', { method: 'POST' }).then(
      (response) => `${response.status}`,
      (error: { code?: string; message?: string }) => `${error.code}: ${error.message}`,
    );
    expect(answer).toMatch(/^NOT_ALLOWED: POST \/api\/shutdown is not forwarded: it is the backend's stop request/);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(system.service('api').getStatus()).toMatchObject({ status: 'running', pid, restarts: 0 });
    client.dispose();
  });

  it('refuses untrusted frames, an unknown primary, and detaches cleanly', async () => {
    const { system, electron, logs, detach } = setup();
    await expect(electron.ipcMain.invoke(IpcChannel.Backend_GetSystemStatus, electron.openWindow('https://evil.example/').event())).rejects.toThrow(
      'origin https://evil.example is not trusted',
    );
    expect(logs.some((line) => line.startsWith('refused backend:get-system-status'))).toBe(true);
    expect(() => attachSystemToElectron(system, { ...electronDoubles(), trustedOrigins: ['file://'], primary: 'web' })).toThrow('Invalid option "name": expected one of db, api, got "web"');
    detach();
    await expect(electron.ipcMain.invoke(IpcChannel.Backend_GetSystemStatus, electron.openWindow().event())).rejects.toThrow();
    expect(electron.app.listenerCount('will-quit')).toBe(0);
  });
});
