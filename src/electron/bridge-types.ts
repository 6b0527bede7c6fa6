import type { BackendStatusInfo } from '../../machines/status.js';
import type { BackendSystemStatus } from '../system.js';
import type { ProxyCall, ProxyRequest, ProxySink } from './proxy-protocol.js';

export type { ProxyCall, ProxyError, ProxyRequest, ProxySink } from './proxy-protocol.js';

/** What `python:execute` sends: an allowlisted command and a JSON payload. */
export interface ExecuteRequest {
  command: string;
  payload?: unknown;
}

/** What `python:execute` answers: never a thrown error, always one of these. */
export type ExecuteResult =
  | { ok: true; status: number; data: unknown }
  | {
      ok: false;
      error: {
        code: 'NOT_ALLOWED' | 'BAD_REQUEST' | 'PAYLOAD_TOO_LARGE' | 'BACKEND_NOT_RUNNING' | 'TIMEOUT' | 'TOO_MANY_REQUESTS' | 'BACKEND_ERROR' | 'UNTRUSTED_SENDER';
        message: string;
        status?: number;
      };
    };

/** How a trusted renderer reaches the backend over HTTP itself. */
export interface BackendConnection {
  /** `http://127.0.0.1:<port>`; undefined while the backend has no port (not started, stopped). */
  baseUrl: string | undefined;
  port: number;
  /** Headers to send with every request (`X-API-Key` unless auth is off). */
  headers: Record<string, string>;
}

/**
 * The one object the preload script exposes to the page: one method per message, never the raw
 * `ipcRenderer`. The renderer's `window.backend` has exactly this type.
 *
 * @example
 * const status = await window.backend.getStatus();
 * const off = window.backend.onStatusChanged((s) => render(s));
 */
export interface BackendBridge {
  getPort(): Promise<number>;
  getStatus(): Promise<BackendStatusInfo>;
  /** Calls `listener` on every status change; returns the unsubscribe function. */
  onStatusChanged(listener: (status: BackendStatusInfo) => void): () => void;
  execute(command: string, payload?: unknown): Promise<ExecuteResult>;
  /** The backend's URL and key, for apps that call it directly (and configure CORS for it). */
  getConnection(): Promise<BackendConnection>;
  /** One request through the main-process proxy (use `createBackendClient(bridge).fetch`, which wraps it). */
  request(request: ProxyRequest, sink: ProxySink): ProxyCall;
  /**
   * Every service's status and the whole, when main attached a system (`attachSystemToElectron`);
   * rejects when it attached a single backend.
   */
  getSystemStatus(): Promise<BackendSystemStatus>;
  /** Calls `listener` on every status change of every service of a system; returns the unsubscribe function. */
  onServiceStatusChanged(listener: (service: string, status: BackendStatusInfo) => void): () => void;
  /** Start, stop and restart from the page: refused unless main enabled `controls`. */
  start(): Promise<BackendStatusInfo>;
  stop(): Promise<BackendStatusInfo>;
  restart(): Promise<BackendStatusInfo>;
}
