import type { ContextBridge, IpcRenderer } from 'electron';
import type { BackendStatusInfo } from '../../machines/status.js';
import type { BackendSystemStatus } from '../system.js';
import type { BackendBridge, BackendConnection, ExecuteResult } from './bridge-types.js';
import { IpcChannel } from './channels.js';
import type { AssertFits } from './electron-like.js';
import type { ProxyCall, ProxyDownstreamMessage, ProxyRequest, ProxySink, ProxyUpstreamMessage } from './proxy-protocol.js';

export type { BackendBridge, BackendConnection, ExecuteRequest, ExecuteResult } from './bridge-types.js';
export { IpcChannel } from './channels.js';

/** The parts of Electron's preload API used here: pass `contextBridge` and `ipcRenderer`. */
export interface ElectronPreloadApi {
  contextBridge: { exposeInMainWorld(apiKey: string, api: unknown): void };
  ipcRenderer: {
    invoke(channel: string, ...args: unknown[]): Promise<unknown>;
    on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
    removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
    postMessage(channel: string, message: unknown, transfer?: unknown[]): void;
  };
}

/** The page's end of a MessageChannel (the DOM's, or Node's in tests: both have these members). */
interface PagePort {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  start(): void;
  close(): void;
}

/** Sends one request through the main-process proxy on a port of its own and feeds `sink` from it. */
function proxyRequest(ipcRenderer: ElectronPreloadApi['ipcRenderer'], request: ProxyRequest, sink: ProxySink): ProxyCall {
  const { port1, port2 } = new MessageChannel() as unknown as { port1: PagePort; port2: PagePort };
  let open = true;
  const finish = () => {
    open = false;
    port1.close();
  };
  port1.addEventListener('message', ({ data }) => {
    const message = data as ProxyDownstreamMessage;
    if (!open) return;
    if (message.type === 'head') sink.head(message.status, message.statusText, message.headers);
    else if (message.type === 'chunk') sink.chunk(message.data);
    else if (message.type === 'end') {
      finish();
      sink.end();
    } else if (message.type === 'error') {
      finish();
      sink.fail(message.error);
    }
  });
  port1.start();
  ipcRenderer.postMessage(IpcChannel.Backend_Fetch, request, [port2]);
  const up = (message: ProxyUpstreamMessage) => {
    if (open) port1.postMessage(message);
  };
  return {
    sendBody: (data) => up({ type: 'body', data }),
    endBody: () => up({ type: 'body-end' }),
    cancel() {
      up({ type: 'cancel' });
      finish();
    },
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
    getSystemStatus: () => ipcRenderer.invoke(IpcChannel.Backend_GetSystemStatus) as Promise<BackendSystemStatus>,
    onServiceStatusChanged(listener) {
      const forward = (_event: unknown, change: unknown) => {
        const { service, status } = change as { service: string; status: BackendStatusInfo };
        listener(service, status);
      };
      ipcRenderer.on(IpcChannel.Backend_ServiceStatusChanged, forward);
      return () => {
        ipcRenderer.removeListener(IpcChannel.Backend_ServiceStatusChanged, forward);
      };
    },
    execute: (command, payload) => ipcRenderer.invoke(IpcChannel.Python_Execute, { command, payload }) as Promise<ExecuteResult>,
    getConnection: () => ipcRenderer.invoke(IpcChannel.Backend_GetConnection) as Promise<BackendConnection>,
    request: (request, sink) => proxyRequest(ipcRenderer, request, sink),
    start: () => ipcRenderer.invoke(IpcChannel.Backend_Start) as Promise<BackendStatusInfo>,
    stop: () => ipcRenderer.invoke(IpcChannel.Backend_Stop) as Promise<BackendStatusInfo>,
    restart: () => ipcRenderer.invoke(IpcChannel.Backend_Restart) as Promise<BackendStatusInfo>,
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
