import type { Dispatcher } from 'undici';

/** A finished HTTP exchange, body read as text. */
export interface HttpAnswer {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Why an exchange did not finish: the socket error code, `TIMEOUT`, `ABORTED` or `TOO_LARGE`. */
export class HttpFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HttpFailure';
  }
}

// undici loads with the first proxied request (importing the package should not pay for it),
// then stays: the Electron proxy streams through it. Only its agent and request API are loaded: undici's entry also loads
// fetch, WebSocket, caches and proxies (~75 ms and ~8 MB more, measured in the bench), and it
// attaches the request API to the dispatcher prototype exactly as below. Its connector turns TCP
// keep-alive probes on by default, which Wine's sockets refuse at connect ("connect UNKNOWN");
// loopback requests never need them.
let client: Promise<Dispatcher> | undefined;
/** The undici dispatcher the Electron proxy streams through (`dispatcher.request(...)`). */
export const loadHttpClient = () => {
  client ??= Promise.all([import('undici/lib/dispatcher/agent.js'), import('undici/lib/dispatcher/dispatcher.js'), import('undici/lib/api/index.js')]).then(
    ([{ default: Agent }, { default: DispatcherClass }, { default: api }]) => {
      if (typeof (DispatcherClass.prototype as Partial<Dispatcher>).request !== 'function') Object.assign(DispatcherClass.prototype, api);
      return new Agent({ connect: { keepAlive: false } });
    },
  );
  return client;
};

/** `url` split as undici's dispatcher API takes it. */
export function originAndPath(url: string): { origin: string; path: string } {
  const parsed = new URL(url);
  return { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
}

function failureOf(error: unknown, timeoutMs: number, timedOut: boolean): HttpFailure {
  if (error instanceof HttpFailure) return error;
  if (timedOut) return new HttpFailure('TIMEOUT', `no answer within ${timeoutMs} ms`);
  const { name, code, message } = error as { name?: string; code?: string; message?: string };
  if (name === 'AbortError') return new HttpFailure('ABORTED', 'aborted');
  return new HttpFailure(code ?? 'ERROR', message ?? String(error));
}

// The package's own requests (health checks, stop requests, execute) go through node:http:
// built in (~5 ms to load against undici's 70–130 ms), its parser native (undici compiles a WASM
// parser on its first request, 15–17 ms), and ~2 MB of memory against undici's ~15–25 MB (npm
// run bench). Loaded with the first request, or warmed while a backend boots.
let nodeHttp: Promise<typeof import('node:http')> | undefined;
const loadNodeHttp = () => {
  nodeHttp ??= import('node:http');
  return nodeHttp;
};

/** Loads the HTTP client the health check uses, so that the first check does not wait for it. */
export async function warmHttpClient(): Promise<void> {
  await loadNodeHttp();
}

/** Reads a response's body up to `maxBytes`. */
function readBody(response: import('node:http').IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        response.destroy();
        reject(new HttpFailure('TOO_LARGE', `answer larger than ${maxBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    response.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    response.once('error', reject);
    response.once('close', () => {
      if (!response.complete) reject(new HttpFailure('ECONNRESET', 'the connection closed before the answer was complete'));
    });
  });
}

/**
 * One HTTP/1.1 request, over a connection of its own closed afterwards (no pooled sockets are
 * left behind to hold a stopping backend open, and no TCP keep-alive probes, which Wine's sockets
 * refuse). Rejects with an `HttpFailure`, never anything else.
 *
 * @example
 * const answer = await httpRequest('http://127.0.0.1:1733/api/health', { timeoutMs: 1_000 });
 */
export async function httpRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs: number; maxBytes?: number; signal?: AbortSignal },
): Promise<HttpAnswer> {
  const { request } = await loadNodeHttp();
  const maxBytes = options.maxBytes ?? 1024 * 1024;
  const deadline = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    deadline.abort();
  }, options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, deadline.signal]) : deadline.signal;
  try {
    if (signal.aborted) throw new HttpFailure('ABORTED', 'aborted');
    const body = options.body === undefined ? undefined : Buffer.from(options.body);
    const headers = { ...(options.headers ?? {}), ...(body ? { 'content-length': String(body.length) } : {}), connection: 'close' };
    return await new Promise<HttpAnswer>((resolve, reject) => {
      const exchange = request(url, { method: options.method ?? 'GET', headers, agent: false, signal }, (response) => {
        readBody(response, maxBytes).then((text) => resolve({ statusCode: response.statusCode ?? 0, headers: response.headers, body: text }), reject);
      });
      exchange.once('error', reject);
      exchange.end(body);
    });
  } catch (error) {
    throw failureOf(error, options.timeoutMs, timedOut);
  } finally {
    clearTimeout(timer);
  }
}

/** A host as it appears in a URL: IPv6 addresses go in brackets. */
export function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
