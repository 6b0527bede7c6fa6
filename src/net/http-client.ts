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
  // a load that failed (EMFILE while the fd table is full) is tried again by the next caller, not kept
  client.catch(() => {
    client = undefined;
  });
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

// The package's own requests (health checks, stop requests, execute) go through undici's Client
// alone, one per request (one connection, closed afterwards): no agent or pool is loaded for them.
type ClientClass = typeof import('undici').Client;
let requestClient: Promise<ClientClass> | undefined;
const loadRequestClient = () => {
  requestClient ??= Promise.all([import('undici/lib/dispatcher/client.js'), import('undici/lib/dispatcher/dispatcher.js'), import('undici/lib/api/index.js')]).then(
    ([{ default: Client }, { default: DispatcherClass }, { default: api }]) => {
      if (typeof (DispatcherClass.prototype as Partial<Dispatcher>).request !== 'function') Object.assign(DispatcherClass.prototype, api);
      return Client;
    },
  );
  requestClient.catch(() => {
    requestClient = undefined;
  });
  return requestClient;
};

let warmed: Promise<void> | undefined;
/**
 * Loads the HTTP client and warms its parser (undici compiles its WebAssembly parser on the first
 * connection, 15–17 ms) with one exchange against a loopback server of this process, so that a
 * backend's first health check pays for neither. A launch calls it right after its spawn, while
 * the backend boots. Never rejects: a failed warm-up leaves the work to the first check.
 */
export function warmHttpClient(): Promise<void> {
  warmed ??= (async () => {
    let server: import('node:net').Server | undefined;
    try {
      await loadRequestClient();
      const { createServer } = await import('node:net');
      server = createServer((socket) => {
        // the client closes its connection at once (reset): a reset read must not crash the host
        socket.on('error', () => {});
        socket.once('data', () => socket.end('HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n'));
      });
      server.unref();
      const listening = server;
      await new Promise<void>((resolve, reject) => listening.once('error', reject).listen(0, '127.0.0.1', resolve));
      const { port } = listening.address() as import('node:net').AddressInfo;
      await httpRequest(`http://127.0.0.1:${port}/`, { timeoutMs: 2_000 });
    } catch {
      // no loopback server here (sandbox, no IPv4), or no descriptor left to load undici with (EMFILE):
      // the first health check loads and warms it instead, and reports what fails then
      warmed = undefined;
    } finally {
      server?.close();
    }
  })();
  return warmed;
}

/**
 * One HTTP/1.1 request with undici, over a connection of its own closed afterwards (no pooled
 * sockets are left behind to hold a stopping backend open). Rejects with an `HttpFailure`, never
 * anything else.
 *
 * @example
 * const answer = await httpRequest('http://127.0.0.1:1733/api/health', { timeoutMs: 1_000 });
 */
export async function httpRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs: number; maxBytes?: number; signal?: AbortSignal },
): Promise<HttpAnswer> {
  const Client = await loadRequestClient();
  const maxBytes = options.maxBytes ?? 1024 * 1024;
  const deadline = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    deadline.abort();
  }, options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, deadline.signal]) : deadline.signal;
  let client: InstanceType<ClientClass> | undefined;
  try {
    const { origin, path } = originAndPath(url);
    // TCP keep-alive probes off: Wine's sockets refuse them at connect ("connect UNKNOWN")
    client = new Client(origin, { connect: { keepAlive: false } });
    const response = await client.request({
      path,
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
    client?.destroy().catch(() => {});
  }
}

/** A host as it appears in a URL: IPv6 addresses go in brackets. */
export function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
