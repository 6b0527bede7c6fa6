import { readFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/** Headers must arrive within this; a client that trickles them or sends none is cut off. */
export const headersTimeoutMs = 5_000;
/** A whole request (a command's body included) must arrive within this. */
export const requestTimeoutMs = 10_000;
/** An idle kept-alive connection is closed after this. */
export const keepAliveTimeoutMs = 2_000;
/** An event-stream client that leaves more than this unread is dropped (its page reconnects). */
export const maxUnreadEventBytes = 256 * 1024;
/** Event-stream clients at once: a page needs one. */
export const maxEventClients = 8;
const mostConnections = 32;
// where the soft limit cannot be read (macOS, Windows): macOS's default soft limit
const assumedFdLimit = 256;

/** The soft limit of open files of this process (Linux: /proc/self/limits), or a cautious guess. */
async function softFdLimit(): Promise<number> {
  try {
    const limits = await readFile('/proc/self/limits', 'utf8');
    const soft = /^Max open files\s+(\d+|unlimited)/m.exec(limits)?.[1];
    return soft === undefined || soft === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(soft);
  } catch {
    return assumedFdLimit;
  }
}

/**
 * How many connections the inspector may hold at once: at most an eighth of this process's file
 * descriptors (and never more than 32), so the other seven eighths stay with the supervisor's own
 * work (the backend's pipes, health checks, logs) whatever a local client does.
 *
 * @example
 * server.maxConnections = await inspectorConnectionCap(); // 32 with the usual limit of 1024
 */
export async function inspectorConnectionCap(): Promise<number> {
  return Math.max(4, Math.min(mostConnections, Math.floor((await softFdLimit()) / 8)));
}

// one budget for every inspector page of this process (`up --ui` serves one per service); oldest first
const untrusted = new Set<Socket>();
let open = 0;

/**
 * Short timeouts and a connection cap: a local client cannot hold the inspector's sockets for
 * long, nor many. The cap counts the connections of every inspector server in this process; past
 * it the oldest connection that has not shown the token yet is closed (a flood evicts itself, and
 * the page's owner gets in). Returns the call that marks a connection as the owner's once a
 * request on it passed the token check.
 *
 * @example
 * const trust = limitConnections(server, 32);
 * if (!refusal) trust(request.socket);
 */
export function limitConnections(server: Server, cap: number): (socket: Socket) => void {
  server.on('connection', (socket: Socket) => {
    open++;
    untrusted.add(socket);
    socket.once('close', () => {
      open--;
      untrusted.delete(socket);
    });
    if (open <= cap) return;
    // when every other one is the owner's, this is the oldest untrusted one: it goes
    const oldest = untrusted.values().next().value as Socket;
    untrusted.delete(oldest);
    oldest.destroy();
  });
  server.headersTimeout = headersTimeoutMs;
  server.requestTimeout = requestTimeoutMs;
  server.keepAliveTimeout = keepAliveTimeoutMs;
  return (socket) => untrusted.delete(socket);
}
