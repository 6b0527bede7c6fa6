import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type ServerResponse } from 'node:http';
import { extname, join, normalize } from 'node:path';
import type { BackendSupervisor } from '../supervisor.js';
import { inspectorConnectionCap, limitConnections, maxEventClients, maxUnreadEventBytes } from './connection-limits.js';
import type { InspectionHub } from './inspection-hub.js';
import { tailLog } from './log-tail.js';
import { packageRoot } from './package-root.js';
import { createRequestGuard } from './request-guard.js';

/** A running inspector page. */
export interface UiServer {
  /** Open this in a browser; it carries the per-run token. */
  url: string;
  port: number;
  close(): Promise<void>;
}

const contentTypes: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };
const commands = ['start', 'stop', 'restart'] as const;

function send(response: ServerResponse, status: number, body: string | Buffer, type = 'application/json'): void {
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  response.end(body);
}

/** A refusal ends the connection too: a client without the token keeps no socket of ours. */
function refuse(response: ServerResponse, status: number, error: string): void {
  response.shouldKeepAlive = false;
  send(response, status, JSON.stringify({ error }));
}

/**
 * Serves the offline inspector on 127.0.0.1: the built page, the statechart diagram, Server-Sent
 * Events with status, transitions and the backend log, and POST commands (start/stop/restart).
 */
export async function startUiServer(supervisor: BackendSupervisor, hub: InspectionHub, options: { port?: number } = {}): Promise<UiServer> {
  const root = packageRoot();
  const pageDir = join(root, 'dist', 'ui');
  const token = randomBytes(24).toString('base64url');
  const clients = new Set<ServerResponse>();
  let guard: ReturnType<typeof createRequestGuard> = () => 'starting';
  let trust: ReturnType<typeof limitConnections> = () => {};
  let stopTail: (() => void) | undefined;

  // a client that does not read is dropped before what waits for it grows without bound
  const deliver = (client: ServerResponse, text: string) => {
    if (client.writableLength > maxUnreadEventBytes) return client.destroy();
    client.write(text);
  };
  const broadcast = (event: string, data: unknown) => {
    const text = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const client of clients) deliver(client, text);
  };
  const offStatus = supervisor.subscribe((status) => broadcast('status', status));
  const offTransitions = hub.subscribe((entry) => broadcast('transition', entry));

  // (checked every second: Node's default of 30 s would let trickled headers hold a socket that long)
  const server = createServer({ connectionsCheckingInterval: 1_000 }, (request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const refusal = guard(request, url);
    if (refusal) return refuse(response, 403, refusal);
    // the static assets pass without the token: fetching one earns no protection from eviction
    if (!url.pathname.startsWith('/assets/')) trust(request.socket);
    if (request.method === 'POST' && url.pathname === '/api/command') {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk;
        if (body.length > 1024) request.destroy();
      });
      request.on('end', () => {
        let command: string | undefined;
        try {
          command = (JSON.parse(body || '{}') as { command?: string }).command;
        } catch {
          return send(response, 400, JSON.stringify({ error: 'body is not JSON' }));
        }
        if (!commands.includes(command as (typeof commands)[number])) return send(response, 400, JSON.stringify({ error: `unknown command ${command}` }));
        // the outcome reaches the page as status events; a failure is a status, not an HTTP error
        supervisor[command as (typeof commands)[number]]().catch(() => {});
        send(response, 202, JSON.stringify({ accepted: command }));
      });
      return;
    }
    if (url.pathname === '/api/status') return send(response, 200, JSON.stringify(supervisor.getStatus()));
    if (url.pathname === '/api/events') {
      if (clients.size >= maxEventClients) return refuse(response, 503, `at most ${maxEventClients} event streams at once`);
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      response.write(`event: hello\ndata: ${JSON.stringify({ status: supervisor.getStatus(), transitions: hub.transitions })}\n\n`);
      clients.add(response);
      stopTail ??= tailLog(() => supervisor.actor.getSnapshot().context.logFile, (lines, reset) => broadcast('log', { lines, reset }));
      request.on('close', () => {
        clients.delete(response);
        if (clients.size === 0) {
          stopTail?.();
          stopTail = undefined;
        }
      });
      return;
    }
    const file =
      url.pathname === '/diagram.svg'
        ? join(root, 'visualizations', 'backend-lifecycle.svg')
        : join(pageDir, normalize(url.pathname === '/' ? '/index.html' : url.pathname).replace(/^(\.\.[/\\])+/, ''));
    if (!file.startsWith(pageDir) && !file.endsWith('backend-lifecycle.svg')) return send(response, 404, '{}');
    readFile(file).then(
      (content) => send(response, 200, content, contentTypes[extname(file)] ?? 'application/octet-stream'),
      () => send(response, 404, JSON.stringify({ error: url.pathname === '/' ? 'the inspector page is not built: run npm run build' : 'not found' })),
    );
  });

  trust = limitConnections(server, await inspectorConnectionCap());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const port = (server.address() as { port: number }).port;
  guard = createRequestGuard(port, token);
  const heartbeat = setInterval(() => {
    for (const client of clients) deliver(client, ': keep-alive\n\n');
  }, 15_000);
  heartbeat.unref();

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    close: () =>
      new Promise((resolve) => {
        clearInterval(heartbeat);
        offStatus();
        offTransitions();
        stopTail?.();
        for (const client of clients) client.end();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
