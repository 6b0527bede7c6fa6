import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { loadHttpClient } from '../net/http-client.js';
import type { BackendSupervisor } from '../supervisor.js';
import type { MessagePortLike } from './electron-like.js';
import { proxyFields } from './electron-schema.js';
import type { PagePolicy, ProxyRoute } from './page-policy.js';
import { isUpstreamMessage, requestBody } from './proxy-body.js';
import { hasAmbiguousPathText, type ProxyDownstreamMessage, type ProxyError, type ProxyRequest } from './proxy-protocol.js';

export type { ProxyRoute } from './page-policy.js';

/** Limits and policy of the main-process proxy (`attachBackendToElectron`'s `proxy` option). */
export interface ProxyOptions {
  /** Longest wait for the backend's response head (default 30 000 ms). */
  headersTimeoutMs?: number;
  /**
   * Longest silence between two body chunks, in either direction (a stalled upload fails too), 0 for
   * none (default 300 000 ms: long enough for SSE heartbeats).
   */
  idleTimeoutMs?: number;
  /** Largest request body from the renderer (default 16 MiB). */
  maxRequestBytes?: number;
  /** Largest response body passed back (default 256 MiB). */
  maxResponseBytes?: number;
  /** Most requests in flight at once, over every window (default 64); more are refused with `TOO_MANY_REQUESTS`. */
  maxConcurrent?: number;
  /**
   * The routes a page may reach (default: every path). The backend's stop request and
   * `python:execute`'s path are never forwarded unless a route here names them exactly.
   */
  allow?: readonly ProxyRoute[];
}

/** The proxy's limits with their defaults filled in. */
export type ProxyLimits = Required<Omit<ProxyOptions, 'allow'>>;

// hop-by-hop and framing headers are the connection's own; the key is ours to add, never the page's
const droppedRequestHeaders = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'host', 'content-length', 'te', 'trailer', 'proxy-connection', 'proxy-authorization', 'x-api-key']);
const droppedResponseHeaders = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'trailer']);
const unsafeText = /[\0\r\n]/;
// what HTTP servers accept in a request head (Node's default is 16 KiB): more is a page flooding main
const maxHeaderBytes = 64 * 1024;

/** The request as the renderer sent it, or why it cannot be forwarded. */
export function validateProxyRequest(value: unknown): ProxyRequest | string {
  if (typeof value !== 'object' || value === null) return 'expects { path, method, headers, hasBody }';
  const { path, method, headers, hasBody } = value as Record<string, unknown>;
  if (typeof path !== 'string' || !path.startsWith('/') || path.startsWith('//') || hasAmbiguousPathText(path) || path.length > 8192) {
    return `path must start with a single "/" and hold no control characters or "\\" (got ${JSON.stringify(String(path).slice(0, 100))})`;
  }
  if (typeof method !== 'string' || !/^[A-Za-z]{1,16}$/.test(method) || ['CONNECT', 'TRACE'].includes(method.toUpperCase())) {
    return `method ${JSON.stringify(method)} is not allowed`;
  }
  const pairs = Array.isArray(headers) ? headers : [];
  const wellFormed = (pair: unknown): pair is [string, string] =>
    Array.isArray(pair) && pair.length === 2 && pair.every((part) => typeof part === 'string' && !unsafeText.test(part));
  if (!Array.isArray(headers) || headers.length > 100 || !pairs.every(wellFormed)) return 'headers must be at most 100 [name, value] string pairs without control characters';
  const headerBytes = (pairs as [string, string][]).reduce((sum, [name, value]) => sum + name.length + value.length, 0);
  if (headerBytes > maxHeaderBytes) return `headers must total at most ${maxHeaderBytes} characters (got ${headerBytes})`;
  return { path, method: method.toUpperCase(), headers: pairs as [string, string][], hasBody: hasBody === true };
}

function forwardedHeaders(headers: [string, string][], apiKey: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    if (!droppedRequestHeaders.has(lower)) out[lower] = out[lower] === undefined ? value : `${out[lower]}, ${value}`;
  }
  if (apiKey) out['x-api-key'] = apiKey;
  return out;
}

function responseHeaders(headers: Record<string, string | string[] | undefined>): [string, string][] {
  return Object.entries(headers).flatMap(([name, value]) => {
    if (value === undefined || droppedResponseHeaders.has(name)) return [];
    return (Array.isArray(value) ? value : [value]).map((one): [string, string] => [name, one]);
  });
}

/** Answers a request that is not forwarded at all: one error on its port, which is then closed. */
export function refuseOnPort(port: MessagePortLike, error: ProxyError): void {
  try {
    port.postMessage({ type: 'error', error } satisfies ProxyDownstreamMessage);
    port.close();
  } catch {
    // the page's end is gone already: nobody is left to tell
  }
}

function failureOf(error: unknown, aborted: AbortSignal, limits: ProxyLimits): ProxyError {
  if (aborted.aborted) return { code: 'ABORTED', message: 'the request was cancelled' };
  const { code, message } = error as { code?: string; message?: string };
  if (code === 'UND_ERR_HEADERS_TIMEOUT') return { code: 'TIMEOUT', message: `the backend did not answer within ${limits.headersTimeoutMs} ms` };
  if (code === 'UND_ERR_BODY_TIMEOUT') return { code: 'TIMEOUT', message: `the backend sent nothing for ${limits.idleTimeoutMs} ms` };
  return { code: 'BACKEND_ERROR', message: `the backend call failed: ${code ?? message ?? String(error)}` };
}

/** The proxy's limits with their defaults filled in. */
export function proxyLimits(options: ProxyOptions = {}): ProxyLimits {
  return {
    headersTimeoutMs: options.headersTimeoutMs ?? proxyFields.headersTimeoutMs.default,
    idleTimeoutMs: options.idleTimeoutMs ?? proxyFields.idleTimeoutMs.default,
    maxRequestBytes: options.maxRequestBytes ?? proxyFields.maxRequestBytes.default,
    maxResponseBytes: options.maxResponseBytes ?? proxyFields.maxResponseBytes.default,
    maxConcurrent: options.maxConcurrent ?? proxyFields.maxConcurrent.default,
  };
}

/** What one proxied request needs from main: the backend, the limits, the page policy, and the requests in flight. */
export interface ProxyContext {
  supervisor: BackendSupervisor;
  limits: ProxyLimits & { policy: PagePolicy };
  /** Every request in flight, by the function that fails it (detach fails them all). */
  inFlight: Set<(error: ProxyError) => void>;
}

const redirects = new Set([301, 302, 303, 307, 308]);
const maxRedirects = 5;

/**
 * Forwards one renderer request to the backend with undici and streams the answer back on `port`.
 * The page never holds the API key (it is added here) and CORS never applies (main is no origin).
 * Same-origin redirects are followed (each hop under the page policy); others are refused, so the
 * key never leaves the backend. Every request settles on the port exactly once: `end` or `error`.
 */
export async function proxyToBackend(context: ProxyContext, request: ProxyRequest, port: MessagePortLike): Promise<void> {
  const { supervisor, limits, inFlight } = context;
  const abort = new AbortController();
  let settled = false;
  const send = (message: ProxyDownstreamMessage) => {
    if (settled) return;
    if (message.type === 'end' || message.type === 'error') settled = true;
    try {
      port.postMessage(message);
      if (settled) port.close();
    } catch {
      settled = true; // the page's end is gone: nobody reads this answer any more
    }
    if (settled) finish();
  };
  const fail = (error: ProxyError) => {
    send({ type: 'error', error });
    abort.abort();
  };
  const finish = () => {
    inFlight.delete(fail);
    body?.dispose();
  };
  inFlight.add(fail);
  const body = request.hasBody ? requestBody({ maxBytes: limits.maxRequestBytes, idleMs: limits.idleTimeoutMs }, fail) : undefined;
  port.on('message', (event) => {
    const data = (event as { data?: unknown } | null)?.data;
    if (!isUpstreamMessage(data)) return fail({ code: 'BAD_REQUEST', message: 'backend:fetch got a malformed message on its port' });
    if (data.type === 'cancel') return fail({ code: 'ABORTED', message: 'the request was cancelled' });
    body?.receive(data);
  });
  // the page went away (closed, reloaded): nobody reads this answer any more
  port.on('close', () => {
    settled = true;
    abort.abort();
    finish();
  });
  port.start();
  send({ type: 'accepted' });

  const status = supervisor.getStatus();
  const baseUrl = supervisor.getBaseUrl();
  if (status.status !== 'running' || baseUrl === undefined) return fail({ code: 'BACKEND_NOT_RUNNING', message: `the backend is ${status.status}` });
  try {
    const dispatcher = await loadHttpClient();
    // the port is read now, not at attach time: a restart may have moved the backend
    const base = new URL(baseUrl);
    // appended to the origin, never resolved against it: no path can name another host
    const first = new URL(`${base.origin}${request.path}`);
    if (first.origin !== base.origin) return fail({ code: 'BAD_REQUEST', message: `backend:fetch ${JSON.stringify(request.path.slice(0, 100))} would leave the backend` });
    let hop = { url: first, method: request.method, body: (body?.stream ?? null) as Buffer | Readable | null };
    let headers = forwardedHeaders(request.headers, supervisor.getApiKey());
    for (let redirectsLeft = maxRedirects; ; redirectsLeft -= 1) {
      const refusal = limits.policy.refusal(hop.method, `${hop.url.pathname}${hop.url.search}`);
      if (refusal) return fail({ code: 'NOT_ALLOWED', message: refusal });
      const response = await dispatcher.request({
        origin: hop.url.origin,
        path: `${hop.url.pathname}${hop.url.search}`,
        method: hop.method as Dispatcher.HttpMethod,
        headers,
        body: hop.body,
        signal: abort.signal,
        headersTimeout: limits.headersTimeoutMs,
        bodyTimeout: limits.idleTimeoutMs,
        reset: true,
      });
      const location = response.headers.location;
      if (redirects.has(response.statusCode) && typeof location === 'string') {
        await response.body.dump();
        const target = new URL(location, hop.url);
        if (target.origin !== base.origin) return fail({ code: 'BACKEND_ERROR', message: `the backend redirected to ${target.origin}, another origin: not followed (the key stays with the backend)` });
        if (redirectsLeft === 0) return fail({ code: 'BACKEND_ERROR', message: `the backend redirected more than ${maxRedirects} times` });
        const keepsMethod = response.statusCode === 307 || response.statusCode === 308;
        if (keepsMethod) {
          const replay = hop.body === null ? null : await body?.replay();
          if (replay === undefined) return fail({ code: 'BACKEND_ERROR', message: `the backend redirected (${response.statusCode}) a request body too large to send again` });
          hop = { url: target, method: hop.method, body: replay };
        } else {
          // as fetch does: 303, and 301/302 after a POST, continue as GET without the body
          const method = response.statusCode === 303 || hop.method === 'POST' ? (hop.method === 'HEAD' ? 'HEAD' : 'GET') : hop.method;
          if (method !== hop.method) headers = withoutBodyHeaders(headers);
          hop = { url: target, method, body: method === hop.method ? hop.body : null };
        }
        continue;
      }
      if (response.statusCode < 200 || response.statusCode > 599) {
        return fail({ code: 'BACKEND_ERROR', message: `the backend answered with HTTP status ${response.statusCode}, which a Response cannot carry` });
      }
      send({ type: 'head', status: response.statusCode, statusText: '', headers: responseHeaders(response.headers) });
      let size = 0;
      for await (const chunk of response.body) {
        const bytes = chunk as Buffer;
        size += bytes.byteLength;
        if (size > limits.maxResponseBytes) return fail({ code: 'RESPONSE_TOO_LARGE', message: `the answer exceeds ${limits.maxResponseBytes} bytes` });
        send({ type: 'chunk', data: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) });
      }
      return send({ type: 'end' });
    }
  } catch (error) {
    fail(failureOf(error, abort.signal, limits));
  }
}

function withoutBodyHeaders(headers: Record<string, string>): Record<string, string> {
  const { 'content-type': _type, 'content-encoding': _encoding, ...rest } = headers;
  return rest;
}
