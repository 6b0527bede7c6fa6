import type { BackendStatusInfo } from '../../machines/status.js';
import type { BackendBridge, BackendConnection, ExecuteResult, ProxyError } from './bridge-types.js';

export type { BackendBridge, BackendConnection, ExecuteResult, ProxyError } from './bridge-types.js';

/** A renderer-side HTTP helper that always targets the backend's current port. */
export interface BackendClient {
  /**
   * `fetch` against the backend: `path` (with its query) is appended to the backend's address.
   * Through the main-process proxy unless the client was made with `{ direct: true }`: the key is
   * added in main, CORS never applies, and the body streams as it arrives. Rejects with a
   * `BackendProxyError` when the request cannot reach the backend (not running, too large, timeout).
   */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** `python:execute`: an allowlisted command run by the backend; never rejects. */
  execute(command: string, payload?: unknown): Promise<ExecuteResult>;
  /** The current base URL and auth headers, for direct access (asked again after every port change). */
  connection(): Promise<BackendConnection>;
  /** Stops following status changes. */
  dispose(): void;
}

/** Why a proxied request did not reach the backend, with the proxy's code. */
export class BackendProxyError extends TypeError {
  readonly code: ProxyError['code'];
  constructor(error: ProxyError) {
    super(error.message);
    this.name = 'BackendProxyError';
    this.code = error.code;
  }
}

// statuses whose responses carry no body: the Response constructor refuses one for them
const bodyless = new Set([101, 103, 204, 205, 304]);

/** One request through the bridge's proxy, answered as a streaming `Response`. */
function proxiedFetch(bridge: BackendBridge, path: string, init: RequestInit): Promise<Response> {
  const target = path.startsWith('/') ? path : `/${path}`;
  // Request normalises method, headers and body exactly as fetch would; the host is never used
  const request = new Request(`http://backend.invalid${target}`, init);
  return new Promise<Response>((resolve, reject) => {
    let stream: ReadableStreamDefaultController<Uint8Array> | undefined;
    let answered = false;
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        stream = controller;
      },
      cancel: () => call.cancel(),
    });
    const call = bridge.request(
      { path: target, method: request.method, headers: [...request.headers], hasBody: request.body !== null },
      {
        head(status, statusText, headers) {
          answered = true;
          resolve(new Response(bodyless.has(status) ? null : body, { status, statusText, headers }));
        },
        chunk: (data) => stream?.enqueue(data),
        end: () => stream?.close(),
        fail(error) {
          const failure = new BackendProxyError(error);
          if (!answered) reject(failure);
          else stream?.error(failure);
        },
      },
    );
    // an aborted fetch rejects (or errors its body) with the signal's reason, as fetch does
    const onAbort = () => {
      call.cancel();
      const reason = init.signal?.reason ?? new DOMException('This operation was aborted', 'AbortError');
      if (!answered) reject(reason);
      else stream?.error(reason);
    };
    if (init.signal?.aborted) return onAbort();
    init.signal?.addEventListener('abort', onAbort, { once: true });
    if (request.body) void pump(request.body, call);
  });
}

async function pump(body: ReadableStream<Uint8Array>, call: ReturnType<BackendBridge['request']>): Promise<void> {
  const reader = body.getReader();
  try {
    for (let next = await reader.read(); !next.done; next = await reader.read()) call.sendBody(next.value);
    call.endBody();
  } catch {
    call.cancel();
  }
}

/**
 * Gives the renderer the backend over HTTP: through the main-process proxy by default (the page
 * never holds the API key, and CORS never applies), or directly with `{ direct: true }` for apps
 * that configure CORS on the backend. Follows port changes after a restart (MineContext's backend
 * manager read the port once, and it went stale).
 *
 * @example
 * const client = createBackendClient(window.backend);
 * const items = await (await client.fetch('/api/items')).json();
 * const stream = (await client.fetch('/api/chat', { method: 'POST', body: JSON.stringify({ q }) })).body;
 */
export function createBackendClient(bridge: BackendBridge, options: { direct?: boolean } = {}): BackendClient {
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
      if (!options.direct) return proxiedFetch(bridge, path, init);
      const { baseUrl, headers } = await connection();
      if (baseUrl === undefined) throw new Error(`backend-lifecycle: cannot fetch ${path}: the backend has no port (it is not running)`);
      const merged = new Headers(init.headers);
      for (const [name, value] of Object.entries(headers)) merged.set(name, value);
      return fetch(`${baseUrl}${path}`, { ...init, headers: merged });
    },
    execute: (command, payload) => bridge.execute(command, payload),
    dispose: off,
  };
}
