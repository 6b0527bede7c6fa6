/**
 * The proxy's wire format between the preload bridge and the main process: one MessagePort per
 * request, so that response bodies (server-sent events, chunked chat streams) flow chunk by chunk
 * as they arrive, and a request body may follow in chunks too.
 */

/** What the renderer asks for; sent with `ipcRenderer.postMessage` together with the port. */
export interface ProxyRequest {
  /** Path and query on the backend, starting with a single `/`, e.g. `/api/chat?stream=1`. */
  path: string;
  method: string;
  headers: [string, string][];
  /** True when body chunks follow on the port (`body` messages, then `body-end`). */
  hasBody: boolean;
}

/** Why a proxied request failed: the renderer's `fetch` rejects with a `BackendProxyError` carrying it. */
export interface ProxyError {
  code:
    | 'UNTRUSTED_SENDER'
    | 'BACKEND_NOT_RUNNING'
    | 'BAD_REQUEST'
    | 'NOT_ALLOWED'
    | 'PAYLOAD_TOO_LARGE'
    | 'RESPONSE_TOO_LARGE'
    | 'TIMEOUT'
    | 'TOO_MANY_REQUESTS'
    | 'BACKEND_ERROR'
    | 'ABORTED'
    | 'PROXY_DISABLED';
  message: string;
}

/** Renderer → main, on the port. */
export type ProxyUpstreamMessage = { type: 'body'; data: Uint8Array } | { type: 'body-end' } | { type: 'cancel' };

/**
 * Main → renderer, on the port: `accepted` at once (the page learns that main took the request:
 * Chromium's MessagePort tells the page nothing when nobody listens any more), one `head`, then
 * `chunk`s, then `end`; or an `error` at any point.
 */
export type ProxyDownstreamMessage =
  | { type: 'accepted' }
  | { type: 'head'; status: number; statusText: string; headers: [string, string][] }
  | { type: 'chunk'; data: Uint8Array }
  | { type: 'end' }
  | { type: 'error'; error: ProxyError };

/** Where the preload bridge delivers one proxied answer (functions cross the context bridge). */
export interface ProxySink {
  head(status: number, statusText: string, headers: [string, string][]): void;
  chunk(data: Uint8Array): void;
  end(): void;
  fail(error: ProxyError): void;
}

/** One request on its way: the renderer streams its body and may cancel it. */
export interface ProxyCall {
  sendBody(chunk: Uint8Array): void;
  endBody(): void;
  cancel(): void;
}

/**
 * Whether a request path holds text a URL parser reads differently from the backend: it drops tabs
 * and newlines and reads `\` as `/` in http URLs, so `/\t/host` and `/\host` become `//host`,
 * another origin (that would carry the key off the backend).
 */
export function hasAmbiguousPathText(path: string): boolean {
  for (let index = 0; index < path.length; index += 1) {
    const code = path.charCodeAt(index);
    if (code < 0x20 || code === 0x7f || code === 0x5c) return true;
  }
  return false;
}
