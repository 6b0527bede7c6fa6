import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

const tcpTables = ['/proc/net/tcp', '/proc/net/tcp6'];
const listenState = '0A';

/** One listening TCP socket of this machine. */
export interface ListeningSocket {
  port: number;
  inode: string;
}

// Backends starting together each asked for the machine-wide table every 100 ms (their stdio pipes
// are sockets, so none is skipped): they share one read, in flight or at most this old.
const sharedForMs = 50;
let shared: { at: number; table: Promise<ListeningSocket[] | undefined> } | undefined;

/** Every listening TCP socket (Linux: one read of /proc/net/tcp{,6}, shared by callers within 50 ms); undefined without /proc. */
export function readListenTable(): Promise<ListeningSocket[] | undefined> {
  const now = Date.now();
  if (!shared || now - shared.at > sharedForMs) shared = { at: now, table: readListenTableNow() };
  return shared.table;
}

async function readListenTableNow(): Promise<ListeningSocket[] | undefined> {
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

/** Whether this system can tell which ports a process listens on (Linux's /proc). */
export const listenTableAvailable = (): boolean => existsSync(tcpTables[0] as string);

function childrenOf(pid: number): number[] | undefined {
  try {
    // a child belongs to the thread that forked it: every thread's list counts
    return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
      readFileSync(`/proc/${pid}/task/${task}/children`, 'latin1').split(' ').filter(Boolean).map(Number),
    );
  } catch {
    return undefined; // gone, or a kernel without /proc/<pid>/task/<tid>/children
  }
}

/**
 * `pid` and its descendants, from the kernel's per-thread children lists: a few reads instead of
 * one per process of the machine. Undefined when the kernel does not keep those lists.
 */
export function processTree(pid: number): number[] | undefined {
  const tree: number[] = [];
  const pending = [pid];
  while (pending.length > 0 && tree.length < 10_000) {
    const current = pending.pop() as number;
    const children = childrenOf(current);
    if (children === undefined) {
      if (current === pid) return undefined;
      continue; // exited while we walked
    }
    tree.push(current);
    pending.push(...children);
  }
  return tree;
}

/** The ports on which any of `pids` listens; undefined where this cannot be known (no /proc). */
export async function portsListenedBy(pids: number[]): Promise<number[] | undefined> {
  const inodes = new Set(pids.flatMap(socketInodes));
  // no socket at all (a backend still loading) listens nowhere: the machine-wide table is the costly read
  if (inodes.size === 0) return listenTableAvailable() ? [] : undefined;
  const table = await readListenTable();
  if (!table) return undefined;
  return [...new Set(table.filter((socket) => inodes.has(socket.inode)).map((socket) => socket.port))].sort((a, b) => a - b);
}
