/**
 * The IPC channel names, keeping the identifiers and values of MineContext's backend manager.
 *
 * @example
 * ipcRenderer.invoke(IpcChannel.Backend_GetStatus) // 'backend:get-status'
 */
export const IpcChannel = {
  Backend_GetPort: 'backend:get-port',
  Backend_GetStatus: 'backend:get-status',
  Backend_StatusChanged: 'backend:status-changed',
  Python_Execute: 'python:execute',
  /** Base URL and API key for the renderer's own HTTP calls (trusted frames only). */
  Backend_GetConnection: 'backend:get-connection',
  /** A request through the main-process proxy: sent with `ipcRenderer.postMessage` and a MessagePort. */
  Backend_Fetch: 'backend:fetch',
  /** start/stop/restart from the page: answered only when main enables `controls`. */
  Backend_Start: 'backend:start',
  Backend_Stop: 'backend:stop',
  Backend_Restart: 'backend:restart',
  /** A system of several backends (attachSystemToElectron): every service's status and the whole. */
  Backend_GetSystemStatus: 'backend:get-system-status',
  /** Pushed for every status change of every service of a system: `{ service, status }`. */
  Backend_ServiceStatusChanged: 'backend:service-status-changed',
} as const;

export type IpcChannelName = (typeof IpcChannel)[keyof typeof IpcChannel];
