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

// undici loads with the first request (importing the package should not pay for it), then stays:
// the health loop runs here. Only its agent and request API are loaded: undici's entry also loads
// fetch, WebSocket, caches and proxies (~75 ms and ~8 MB more, measured in the bench), and it
// attaches the request API to the dispatcher prototype exactly as below. Its connector turns TCP
// keep-alive probes on by default, which Wine's sockets refuse at connect ("connect UNKNOWN");
// loopback requests never need them.
let client: Promise<Dispatcher> | undefined;
/** The one undici dispatcher every request of the package goes through (`dispatcher.request(...)`). */
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

/**
 * One HTTP/1.1 request with undici, over a connection closed afterwards (no pooled sockets are
 * left behind to hold a stopping backend open). Rejects with an `HttpFailure`, never anything else.
 *
 * @example
 * const answer = await httpRequest('http://127.0.0.1:1733/api/health', { timeoutMs: 1_000 });
 */
export async function httpRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs: number; maxBytes?: number; signal?: AbortSignal },
): Promise<HttpAnswer> {
  const dispatcher = await loadHttpClient();
  const maxBytes = options.maxBytes ?? 1024 * 1024;
  const deadline = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    deadline.abort();
  }, options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, deadline.signal]) : deadline.signal;
  try {
    const response = await dispatcher.request({
      ...originAndPath(url),
      method: (options.method ?? 'GET') as Dispatcher.HttpMethod,
      headers: options.headers ?? {},
      body: options.body ?? null,
      signal,
      reset: true,
    });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      size += (chunk as Buffer).length;
      if (size > maxBytes) {
        response.body.destroy();
        throw new HttpFailure('TOO_LARGE', `answer larger than ${maxBytes} bytes`);
      }
      chunks.push(chunk as Buffer);
    }
    return { statusCode: response.statusCode, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') };
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
