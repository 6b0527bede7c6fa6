import { readdirSync, readlinkSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

const tcpTables = ['/proc/net/tcp', '/proc/net/tcp6'];
const listenState = '0A';

/** One listening TCP socket of this machine. */
export interface ListeningSocket {
  port: number;
  inode: string;
}

/** Every listening TCP socket (Linux: one read of /proc/net/tcp{,6}); undefined without /proc. */
export async function readListenTable(): Promise<ListeningSocket[] | undefined> {
  const sockets: ListeningSocket[] = [];
  let readable = false;
  for (const table of tcpTables) {
    try {
      const text = await readFile(table, 'latin1');
      readable = true;
      for (const line of text.split('\n')) {
        const fields = line.trim().split(/\s+/);
        const local = fields[1];
        if (fields[3] !== listenState || !local) continue;
        sockets.push({ port: Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16), inode: fields[9] ?? '' });
      }
    } catch {
      // no such table (no IPv6, or not Linux)
    }
  }
  return readable ? sockets : undefined;
}

/** The socket inodes open in `pid` (Linux: its /proc/<pid>/fd links); empty when unreadable. */
function socketInodes(pid: number): string[] {
  try {
    return readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
      try {
        const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        return match ? [match[1] as string] : [];
      } catch {
        return [];
      }
    });
  } catch {
    return [];
  }
}

/** The ports on which any of `pids` listens; undefined where this cannot be known (no /proc). */
export async function portsListenedBy(pids: number[]): Promise<number[] | undefined> {
  const table = await readListenTable();
  if (!table) return undefined;
  const inodes = new Set(pids.flatMap(socketInodes));
  return [...new Set(table.filter((socket) => inodes.has(socket.inode)).map((socket) => socket.port))].sort((a, b) => a - b);
}
