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
} as const;

export type IpcChannelName = (typeof IpcChannel)[keyof typeof IpcChannel];
