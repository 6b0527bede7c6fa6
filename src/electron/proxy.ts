import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { loadHttpClient, originAndPath } from '../http-client.js';
import type { BackendSupervisor } from '../supervisor.js';
import type { MessagePortLike } from './electron-like.js';
import type { ProxyDownstreamMessage, ProxyError, ProxyRequest, ProxyUpstreamMessage } from './proxy-protocol.js';

/** Limits of the main-process proxy (`attachBackendToElectron`'s `proxy` option). */
export interface ProxyOptions {
  /** Longest wait for the backend's response head (default 30 000 ms). */
  headersTimeoutMs?: number;
  /** Longest silence between two body chunks, 0 for none (default 300 000 ms: long enough for SSE heartbeats). */
  idleTimeoutMs?: number;
  /** Largest request body from the renderer (default 16 MiB). */
  maxRequestBytes?: number;
  /** Largest response body passed back (default 256 MiB). */
  maxResponseBytes?: number;
}

// hop-by-hop and framing headers are the connection's own; the key is ours to add, never the page's
const droppedRequestHeaders = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'host', 'content-length', 'te', 'trailer', 'proxy-connection', 'proxy-authorization', 'x-api-key']);
const droppedResponseHeaders = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'trailer']);
const unsafeText = /[\0\r\n]/;

/** The request as the renderer sent it, or why it cannot be forwarded. */
export function validateProxyRequest(value: unknown): ProxyRequest | string {
  if (typeof value !== 'object' || value === null) return 'expects { path, method, headers, hasBody }';
  const { path, method, headers, hasBody } = value as Record<string, unknown>;
  if (typeof path !== 'string' || !path.startsWith('/') || path.startsWith('//') || unsafeText.test(path) || path.length > 8192) {
    return `path must start with a single "/" and hold no control characters (got ${JSON.stringify(String(path).slice(0, 100))})`;
  }
  if (typeof method !== 'string' || !/^[A-Za-z]{1,16}$/.test(method) || ['CONNECT', 'TRACE'].includes(method.toUpperCase())) {
    return `method ${JSON.stringify(method)} is not allowed`;
  }
  const pairs = Array.isArray(headers) ? headers : [];
  const wellFormed = (pair: unknown): pair is [string, string] =>
    Array.isArray(pair) && pair.length === 2 && pair.every((part) => typeof part === 'string' && !unsafeText.test(part));
  if (!Array.isArray(headers) || headers.length > 100 || !pairs.every(wellFormed)) return 'headers must be at most 100 [name, value] string pairs without control characters';
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
  port.postMessage({ type: 'error', error } satisfies ProxyDownstreamMessage);
  port.close();
}

/** A body stream fed by the port's `body` messages, refusing more than `maxBytes`. */
function requestBody(maxBytes: number, fail: (error: ProxyError) => void) {
  let size = 0;
  const stream = new Readable({ read() {} });
  return {
    stream,
    receive(message: ProxyUpstreamMessage) {
      if (message.type === 'body-end') return void stream.push(null);
      if (message.type !== 'body' || !(message.data instanceof Uint8Array)) return;
      size += message.data.byteLength;
      if (size > maxBytes) {
        fail({ code: 'PAYLOAD_TOO_LARGE', message: `the request body exceeds ${maxBytes} bytes` });
        return void stream.destroy();
      }
      stream.push(Buffer.from(message.data));
    },
  };
}

function failureOf(error: unknown, aborted: AbortSignal, limits: Required<ProxyOptions>): ProxyError {
  if (aborted.aborted) return { code: 'ABORTED', message: 'the request was cancelled' };
  const { code, message } = error as { code?: string; message?: string };
  if (code === 'UND_ERR_HEADERS_TIMEOUT') return { code: 'TIMEOUT', message: `the backend did not answer within ${limits.headersTimeoutMs} ms` };
  if (code === 'UND_ERR_BODY_TIMEOUT') return { code: 'TIMEOUT', message: `the backend sent nothing for ${limits.idleTimeoutMs} ms` };
  return { code: 'BACKEND_ERROR', message: `the backend call failed: ${code ?? message ?? String(error)}` };
}

/**
 * Forwards one renderer request to the backend with undici and streams the answer back on `port`.
 * The page never holds the API key (it is added here) and CORS never applies (main is no origin).
 * Every request settles on the port exactly once: `end` or `error`.
 */
export async function proxyToBackend(supervisor: BackendSupervisor, limits: Required<ProxyOptions>, request: ProxyRequest, port: MessagePortLike): Promise<void> {
  const abort = new AbortController();
  let settled = false;
  const send = (message: ProxyDownstreamMessage) => {
    if (settled) return;
    if (message.type === 'end' || message.type === 'error') settled = true;
    port.postMessage(message);
    if (settled) port.close();
  };
  const fail = (error: ProxyError) => {
    send({ type: 'error', error });
    abort.abort();
  };
  const body = request.hasBody ? requestBody(limits.maxRequestBytes, fail) : undefined;
  port.on('message', ({ data }) => {
    const message = data as ProxyUpstreamMessage;
    if (message?.type === 'cancel') return fail({ code: 'ABORTED', message: 'the request was cancelled' });
    body?.receive(message);
  });
  // the page went away (closed, reloaded): nobody reads this answer any more
  port.on('close', () => {
    settled = true;
    abort.abort();
  });
  port.start();

  const status = supervisor.getStatus();
  const baseUrl = supervisor.getBaseUrl();
  if (status.status !== 'running' || baseUrl === undefined) return fail({ code: 'BACKEND_NOT_RUNNING', message: `the backend is ${status.status}` });
  try {
    const dispatcher = await loadHttpClient();
    // the port is read now, not at attach time: a restart may have moved the backend
    const response = await dispatcher.request({
      ...originAndPath(`${baseUrl}${request.path}`),
      method: request.method as Dispatcher.HttpMethod,
      headers: forwardedHeaders(request.headers, supervisor.getApiKey()),
      body: body?.stream ?? null,
      signal: abort.signal,
      headersTimeout: limits.headersTimeoutMs,
      bodyTimeout: limits.idleTimeoutMs,
      reset: true,
    });
    send({ type: 'head', status: response.statusCode, statusText: '', headers: responseHeaders(response.headers) });
    let size = 0;
    for await (const chunk of response.body) {
      const bytes = chunk as Buffer;
      size += bytes.byteLength;
      if (size > limits.maxResponseBytes) return fail({ code: 'RESPONSE_TOO_LARGE', message: `the answer exceeds ${limits.maxResponseBytes} bytes` });
      send({ type: 'chunk', data: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) });
    }
    send({ type: 'end' });
  } catch (error) {
    fail(failureOf(error, abort.signal, limits));
  }
}

/** The proxy's limits with their defaults filled in. */
export function proxyLimits(options: ProxyOptions = {}): Required<ProxyOptions> {
  return {
    headersTimeoutMs: options.headersTimeoutMs ?? 30_000,
    idleTimeoutMs: options.idleTimeoutMs ?? 300_000,
    maxRequestBytes: options.maxRequestBytes ?? 16 * 1024 * 1024,
    maxResponseBytes: options.maxResponseBytes ?? 256 * 1024 * 1024,
  };
}
