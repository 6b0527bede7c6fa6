import type { BackendStatusInfo } from '../../machines/status.js';
import type { BackendBridge, BackendConnection, ExecuteResult, ProxyError } from './bridge-types.js';
import { hasAmbiguousPathText } from './proxy-protocol.js';

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
  /**
   * The current base URL and auth headers, for direct access (asked again after every port change);
   * rejects unless main passed `direct: true`.
   */
  connection(): Promise<BackendConnection>;
  /**
   * Stops following status changes and forgets the cached connection. Not final: a later call
   * works and follows them again (React's StrictMode and `<Activity>` run effects' cleanups and
   * then the effects again).
   */
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

/** `path` must be a path on the backend: a single leading `/` (added when missing), never an authority or a scheme. */
function backendPath(path: string): string {
  const target = path.startsWith('/') ? path : `/${path}`;
  if (target.startsWith('//') || hasAmbiguousPathText(target)) {
    throw new BackendProxyError({ code: 'BAD_REQUEST', message: `backend-lifecycle: ${JSON.stringify(path)} is not a path on the backend (it must start with a single "/", without "\\" or control characters)` });
  }
  return target;
}

/**
 * One request through the bridge's proxy, answered as a streaming `Response`. Settles exactly once
 * whatever happens (an answer, a failure, an abort, a body stream that errors, a detached main), and
 * leaves no listener on `init.signal` once settled.
 */
function proxiedFetch(bridge: BackendBridge, path: string, init: RequestInit): Promise<Response> {
  const target = backendPath(path);
  // Request normalises method, headers and body exactly as fetch would; the host is never used. Not
  // the signal: a Request follows it with a listener of its own that outlives the request
  const request = new Request(`http://backend.invalid${target}`, { ...init, signal: null });
  return new Promise<Response>((resolve, reject) => {
    let stream: ReadableStreamDefaultController<Uint8Array> | undefined;
    let state: 'waiting' | 'streaming' | 'done' = 'waiting';
    const signal = init.signal ?? undefined;
    let listening = false;
    let stopUpload: (() => void) | undefined;
    const done = () => {
      state = 'done';
      if (listening) signal?.removeEventListener('abort', onAbort);
      listening = false;
      // nobody sends what is left of the request body any more: stop reading it (an endless stream would be read for ever)
      stopUpload?.();
      stopUpload = undefined;
    };
    // before the head: the promise rejects; after it: the body errors
    const failWith = (reason: unknown) => {
      if (state === 'waiting') reject(reason);
      else if (state === 'streaming') stream?.error(reason);
      done();
    };
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        stream = controller;
      },
      cancel: () => {
        done();
        call.cancel();
      },
    });
    const call = bridge.request(
      { path: target, method: request.method, headers: [...request.headers], hasBody: request.body !== null },
      {
        head(status, statusText, headers) {
          if (state !== 'waiting') return;
          let response: Response;
          try {
            response = new Response(bodyless.has(status) ? null : body, { status, statusText, headers });
          } catch (error) {
            // a status or header a Response cannot carry: the request fails, nothing throws in the page
            call.cancel();
            return failWith(new BackendProxyError({ code: 'BACKEND_ERROR', message: `the backend's answer cannot be a Response: ${(error as Error).message}` }));
          }
          state = 'streaming';
          resolve(response);
        },
        chunk(data) {
          if (state === 'streaming') stream?.enqueue(data);
        },
        end() {
          if (state === 'streaming') stream?.close();
          done();
        },
        fail: (error) => failWith(new BackendProxyError(error)),
      },
    );
    // an aborted fetch rejects (or errors its body) with the signal's reason, as fetch does
    function onAbort() {
      failWith(signal?.reason ?? new DOMException('This operation was aborted', 'AbortError'));
      call.cancel();
    }
    if (signal?.aborted) return onAbort();
    if (signal && state === 'waiting') {
      signal.addEventListener('abort', onAbort);
      listening = true;
    }
    // (a bridge may have failed the request already, synchronously)
    if (request.body && (state as string) !== 'done') {
      stopUpload = pump(request.body, call, (error) => failWith(new TypeError(`the request body failed: ${(error as Error)?.message ?? String(error)}`)));
    }
  });
}

/** Sends `body` on `call` chunk by chunk; returns the function that stops reading it and cancels it. */
function pump(body: ReadableStream<Uint8Array>, call: ReturnType<BackendBridge['request']>, fail: (error: unknown) => void): () => void {
  const reader = body.getReader();
  let stopped = false;
  void (async () => {
    try {
      for (let next = await reader.read(); !next.done && !stopped; next = await reader.read()) call.sendBody(next.value);
      if (!stopped) call.endBody();
    } catch (error) {
      if (stopped) return;
      fail(error);
      call.cancel();
    }
  })();
  return () => {
    stopped = true;
    reader.cancel().catch(() => {});
  };
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
  // status changes are followed only while a connection is cached: a proxied client holds no listener at all
  let off: (() => void) | undefined;
  const connection = () => {
    off ??= bridge.onStatusChanged((status: BackendStatusInfo) => {
      if (status?.port !== port) cached = undefined;
    });
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
      // joined as a URL, and checked: no path can move the key to another host or port
      const url = new URL(backendPath(path), baseUrl);
      if (url.origin !== new URL(baseUrl).origin) throw new TypeError(`backend-lifecycle: ${JSON.stringify(path)} would leave the backend`);
      const merged = new Headers(init.headers);
      for (const [name, value] of Object.entries(headers)) merged.set(name, value);
      return fetch(url, { ...init, headers: merged });
    },
    execute: (command, payload) => bridge.execute(command, payload),
    dispose() {
      off?.();
      off = undefined;
      cached = undefined;
    },
  };
}
