import type { ContextBridge, IpcRenderer } from 'electron';
import type { BackendStatusInfo } from '../../machines/status.js';
import type { BackendBridge, BackendConnection, ExecuteResult } from './bridge-types.js';
import { IpcChannel } from './channels.js';
import type { AssertFits } from './electron-like.js';

export type { BackendBridge, BackendConnection, ExecuteRequest, ExecuteResult } from './bridge-types.js';
export { IpcChannel } from './channels.js';

/** The parts of Electron's preload API used here: pass `contextBridge` and `ipcRenderer`. */
export interface ElectronPreloadApi {
  contextBridge: { exposeInMainWorld(apiKey: string, api: unknown): void };
  ipcRenderer: {
    invoke(channel: string, ...args: unknown[]): Promise<unknown>;
    on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
    removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  };
}

/** Builds the bridge object (exposed by {@link exposeBackendBridge}; useful on its own in tests). */
export function createBackendBridge(ipcRenderer: ElectronPreloadApi['ipcRenderer']): BackendBridge {
  return {
    getPort: () => ipcRenderer.invoke(IpcChannel.Backend_GetPort) as Promise<number>,
    getStatus: () => ipcRenderer.invoke(IpcChannel.Backend_GetStatus) as Promise<BackendStatusInfo>,
    onStatusChanged(listener) {
      // the page never sees the IPC event object, only the plain status
      const forward = (_event: unknown, status: unknown) => listener(status as BackendStatusInfo);
      ipcRenderer.on(IpcChannel.Backend_StatusChanged, forward);
      return () => {
        ipcRenderer.removeListener(IpcChannel.Backend_StatusChanged, forward);
      };
    },
    execute: (command, payload) => ipcRenderer.invoke(IpcChannel.Python_Execute, { command, payload }) as Promise<ExecuteResult>,
    getConnection: () => ipcRenderer.invoke(IpcChannel.Backend_GetConnection) as Promise<BackendConnection>,
  };
}

/**
 * Exposes the narrow, typed backend bridge to the page as `window[key]` (default `backend`).
 *
 * @example
 * // preload.ts
 * import { contextBridge, ipcRenderer } from 'electron';
 * import { exposeBackendBridge } from 'backend-lifecycle/electron/preload';
 * exposeBackendBridge({ contextBridge, ipcRenderer });
 */
export function exposeBackendBridge({ contextBridge, ipcRenderer }: ElectronPreloadApi, key = 'backend'): BackendBridge {
  const bridge = createBackendBridge(ipcRenderer);
  contextBridge.exposeInMainWorld(key, bridge);
  return bridge;
}

type Assert<T extends true> = T;
// Compile-time proof that Electron's own preload objects fit (checked against electron's .d.ts).
export type ElectronPreloadObjectsFit = [
  Assert<AssertFits<ContextBridge, ElectronPreloadApi['contextBridge']>>,
  Assert<AssertFits<IpcRenderer, ElectronPreloadApi['ipcRenderer']>>,
];
