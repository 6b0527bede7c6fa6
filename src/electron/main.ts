import type { BackendSupervisor } from '../supervisor.js';
import { attachChannels, type ElectronBackendOptions, graceOf } from './attach.js';

export { type BackendLocation, appBackendDefaults, createAppBackend, type ElectronAppLike, resolveBackendCommand } from './app-backend.js';
export { IpcChannel } from './channels.js';
export { attachSystemToElectron, type ElectronSystemOptions } from './system.js';
export { installUpdateAfterStop, type UpdateGateOptions, type UpdateTarget } from './update.js';
export type { ElectronMainApi } from './electron-like.js';
export type { ExecuteOptions } from './execute.js';
export type { ProxyOptions, ProxyRoute } from './proxy.js';
export type { ProxyError } from './proxy-protocol.js';
export type { BackendBridge, BackendConnection, ExecuteRequest, ExecuteResult } from './bridge-types.js';
export type { ElectronBackendOptions } from './attach.js';

/**
 * Wires a supervisor into Electron's main process: the IPC channels of MineContext's backend
 * manager with sender checks, status pushed to every trusted window, the proxy the renderer's
 * client fetches through, `python:execute`, quit held until the backend is stopped, and a
 * failure dialog. Returns a function that removes every handler and listener it added.
 *
 * @example
 * import { app, BrowserWindow, dialog, ipcMain } from 'electron';
 * import { createBackendSupervisor } from 'backend-lifecycle';
 * import { attachBackendToElectron } from 'backend-lifecycle/electron/main';
 * const backend = createBackendSupervisor({ command: 'python3', args: ['server.py'] });
 * const detach = attachBackendToElectron(backend, { app, BrowserWindow, dialog, ipcMain, trustedOrigins: ['file://'] }); // file pages under app.getAppPath()
 * app.whenReady().then(() => backend.start());
 */
export function attachBackendToElectron(supervisor: BackendSupervisor, options: ElectronBackendOptions): () => void {
  return attachChannels(supervisor, options, {
    start: () => supervisor.start(),
    stop: () => supervisor.stop(),
    restart: () => supervisor.restart(),
    quit: { stop: () => supervisor.stop(), graceMs: graceOf(supervisor) },
  });
}
