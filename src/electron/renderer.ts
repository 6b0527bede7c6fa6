import type { BackendStatusInfo } from '../../machines/status.js';
import type { BackendBridge, BackendConnection } from './bridge-types.js';

export type { BackendBridge, BackendConnection, ExecuteResult } from './bridge-types.js';

/** A renderer-side HTTP helper that always targets the backend's current port. */
export interface BackendClient {
  /** The current base URL and auth headers (asked again after every port change). */
  connection(): Promise<BackendConnection>;
  /** `fetch` against the backend: `path` is appended to the base URL, auth headers are added. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** Stops following status changes. */
  dispose(): void;
}

/**
 * Gives the renderer the backend's base URL and auth headers for fetch/axios, following port
 * changes after a restart (MineContext's backend manager read the port once, and it went stale).
 *
 * @example
 * const client = createBackendClient(window.backend);
 * const items = await (await client.fetch('/api/items')).json();
 */
export function createBackendClient(bridge: BackendBridge): BackendClient {
  let cached: Promise<BackendConnection> | undefined;
  let port: number | undefined;
  const off = bridge.onStatusChanged((status: BackendStatusInfo) => {
    if (status.port !== port) cached = undefined;
  });
  const connection = () => {
    cached ??= bridge.getConnection().then((value) => {
      port = value.port;
      return value;
    });
    cached.catch(() => {
      cached = undefined;
    });
    return cached;
  };
  return {
    connection,
    async fetch(path, init = {}) {
      const { baseUrl, headers } = await connection();
      const merged = new Headers(init.headers);
      for (const [name, value] of Object.entries(headers)) merged.set(name, value);
      return fetch(`${baseUrl}${path}`, { ...init, headers: merged });
    },
    dispose: off,
  };
}
