import type { ContextBridge, IpcRenderer } from 'electron';
import type { BackendStatusInfo } from '../../machines/status.js';
import type { BackendSystemStatus } from '../system.js';
import type { BackendBridge, BackendConnection, ExecuteResult } from './bridge-types.js';
import { IpcChannel } from './channels.js';
import type { AssertFits } from './electron-like.js';
import type { ProxyCall, ProxyDownstreamMessage, ProxyError, ProxyRequest, ProxySink, ProxyUpstreamMessage } from './proxy-protocol.js';

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
  addEventListener(type: 'close', listener: () => void): void;
  start(): void;
  close(): void;
}

/** Whether main sent a message of the protocol; anything else fails the request instead of throwing in the page. */
function isDownstreamMessage(value: unknown): value is ProxyDownstreamMessage {
  if (typeof value !== 'object' || value === null) return false;
  const message = value as Record<string, unknown>;
  if (message.type === 'head') return Number.isInteger(message.status) && typeof message.statusText === 'string' && Array.isArray(message.headers);
  if (message.type === 'chunk') return message.data instanceof Uint8Array;
  if (message.type === 'error') return typeof message.error === 'object' && message.error !== null;
  return message.type === 'end' || message.type === 'accepted';
}

/** Options of {@link createBackendBridge}. */
export interface BackendBridgeOptions {
  /**
   * How long a proxied request waits for main to take it (its `accepted` message) before it fails
   * with `PROXY_DISABLED` (default 10 000 ms): with no proxy attached, or after `detach()`, nobody
   * answers, and Chromium's MessagePort does not tell the page.
   */
  acceptTimeoutMs?: number;
}

/**
 * Sends one request through the main-process proxy on a port of its own and feeds `sink` from it:
 * `head` at most once, then `chunk`s, then exactly one of `end` or `fail`, whatever main does
 * (answers, garbles, closes the port, or was detached).
 */
function proxyRequest(ipcRenderer: ElectronPreloadApi['ipcRenderer'], request: ProxyRequest, sink: ProxySink, acceptTimeoutMs: number): ProxyCall {
  const { port1, port2 } = new MessageChannel() as unknown as { port1: PagePort; port2: PagePort };
  let open = true;
  let headed = false;
  const finish = (last: () => void) => {
    if (!open) return;
    open = false;
    clearTimeout(unaccepted);
    port1.close();
    last();
  };
  const fail = (error: ProxyError) => finish(() => sink.fail(error));
  const unaccepted = setTimeout(
    () => fail({ code: 'PROXY_DISABLED', message: `the main process did not take the request within ${acceptTimeoutMs} ms (no proxy attached, or it was detached)` }),
    acceptTimeoutMs,
  );
  port1.addEventListener('message', ({ data }) => {
    if (!open) return;
    clearTimeout(unaccepted);
    if (!isDownstreamMessage(data)) return fail({ code: 'BACKEND_ERROR', message: 'the proxy sent a malformed message' });
    if (data.type === 'accepted') return;
    if (data.type === 'error') return fail(data.error);
    if (data.type === 'head') {
      if (headed) return fail({ code: 'BACKEND_ERROR', message: 'the proxy sent a second response head' });
      headed = true;
      return sink.head(data.status, data.statusText, data.headers);
    }
    if (!headed) return fail({ code: 'BACKEND_ERROR', message: 'the proxy sent a body before the response head' });
    if (data.type === 'chunk') sink.chunk(data.data);
    else finish(() => sink.end());
  });
  // main closed its end without an answer (where the port reports it: Node's does, Chromium's may not)
  port1.addEventListener('close', () => fail({ code: 'PROXY_DISABLED', message: 'the main process closed the request without answering (the proxy was detached)' }));
  port1.start();
  try {
    ipcRenderer.postMessage(IpcChannel.Backend_Fetch, request, [port2]);
  } catch (error) {
    fail({ code: 'BAD_REQUEST', message: `backend:fetch could not be sent: ${(error as Error)?.message ?? String(error)}` });
  }
  const up = (message: ProxyUpstreamMessage) => {
    if (open) port1.postMessage(message);
  };
  return {
    sendBody: (data) => up({ type: 'body', data }),
    endBody: () => up({ type: 'body-end' }),
    cancel() {
      up({ type: 'cancel' });
      fail({ code: 'ABORTED', message: 'the request was cancelled' });
    },
  };
}

/** `python:execute` never rejects: a refusal, or a main process that does not answer, is an `{ ok: false }` answer. */
async function executeOnMain(ipcRenderer: ElectronPreloadApi['ipcRenderer'], command: string, payload: unknown): Promise<ExecuteResult> {
  try {
    return (await ipcRenderer.invoke(IpcChannel.Python_Execute, { command, payload })) as ExecuteResult;
  } catch (error) {
    return { ok: false, error: { code: 'BACKEND_ERROR', message: (error as Error)?.message ?? String(error) } };
  }
}

/** Builds the bridge object (exposed by {@link exposeBackendBridge}; useful on its own in tests). */
export function createBackendBridge(ipcRenderer: ElectronPreloadApi['ipcRenderer'], options: BackendBridgeOptions = {}): BackendBridge {
  const acceptTimeoutMs = options.acceptTimeoutMs ?? 10_000;
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
    execute: (command, payload) => executeOnMain(ipcRenderer, command, payload),
    getConnection: () => ipcRenderer.invoke(IpcChannel.Backend_GetConnection) as Promise<BackendConnection>,
    request: (request, sink) => proxyRequest(ipcRenderer, request, sink, acceptTimeoutMs),
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
export function exposeBackendBridge({ contextBridge, ipcRenderer }: ElectronPreloadApi, key = 'backend', options: BackendBridgeOptions = {}): BackendBridge {
  const bridge = createBackendBridge(ipcRenderer, options);
  contextBridge.exposeInMainWorld(key, bridge);
  return bridge;
}

type Assert<T extends true> = T;
// Compile-time proof that Electron's own preload objects fit (checked against electron's .d.ts).
export type ElectronPreloadObjectsFit = [
  Assert<AssertFits<ContextBridge, ElectronPreloadApi['contextBridge']>>,
  Assert<AssertFits<IpcRenderer, ElectronPreloadApi['ipcRenderer']>>,
];
