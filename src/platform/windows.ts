// only the start-up work imports this file (see actors/lazy.ts), so execa loads with the first start
import { execaSync } from 'execa';
import type { ProcessPlatform } from './types.js';
import { type WindowsProcess, windowsProcessTable } from './windows-table.js';

function exists(pid: number): boolean {
  try {
    process.kill(pid, 0); // libuv asks GetExitCodeProcess: an exited process is gone even while a handle to it lives
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** What tells a process from a later one with its recycled pid: its creation time, else its image and parent. */
function identity(row: WindowsProcess): string {
  return row.created !== undefined ? `created:${row.created}` : `image:${row.name}/parent:${row.parentPid}`;
}

/**
 * The live processes below the roots, following parent pids. A root that is gone still leads to its
 * children (Windows never re-parents them). A child created before its parent cannot be its child:
 * the parent pid was recycled, and that branch is not ours.
 */
export function treeBelow(table: WindowsProcess[], roots: Map<number, WindowsProcess | undefined>): WindowsProcess[] {
  const byPid = new Map(table.map((row) => [row.pid, row]));
  const children = new Map<number, WindowsProcess[]>();
  for (const row of table) {
    if (row.pid === row.parentPid) continue; // the idle process is its own parent
    children.set(row.parentPid, [...(children.get(row.parentPid) ?? []), row]);
  }
  const members: WindowsProcess[] = [];
  const queue: Array<{ parent: WindowsProcess; before?: bigint }> = [];
  for (const [pid, known] of roots) {
    const now = byPid.get(pid);
    const placeholder = { pid, parentPid: -1, name: '', created: undefined };
    if (now && known && identity(now) !== identity(known)) {
      // the pid was recycled: the process there now is not ours, and of the children of that pid only
      // those created before it can be (without creation times, none can be told apart: none are taken)
      if (now.created !== undefined) queue.push({ parent: known, before: now.created });
      continue;
    }
    if (now) members.push(now);
    queue.push({ parent: now ?? known ?? placeholder });
  }
  const seen = new Set(members.map((row) => row.pid));
  for (let next = queue.shift(); next; next = queue.shift()) {
    const { parent, before } = next;
    for (const child of children.get(parent.pid) ?? []) {
      if (seen.has(child.pid)) continue;
      if (parent.created !== undefined && child.created !== undefined && child.created < parent.created) continue;
      if (before !== undefined && (child.created === undefined || child.created >= before)) continue;
      seen.add(child.pid);
      members.push(child);
      queue.push({ parent: child });
    }
  }
  return members.filter((row) => row.pid !== process.pid);
}

// the identity each pid had when we last looked (at spawn, when the lock is written): a leader that
// exits may lend its pid to a stranger, who must not be taken for a member of its tree
const lastSeen = new Map<number, WindowsProcess>();
const knownRoot = (pid: number) => new Map([[pid, lastSeen.get(pid)]]);

function terminate(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL'); // TerminateProcess on Windows
  } catch {
    // already gone
  }
}

/**
 * Ends a backend's whole tree: `taskkill /T /F` where it exists, then a walk of our own that
 * terminates every member and looks again for processes they started meanwhile (Wine's taskkill
 * has no /T; and a member's children are found by parent pid even after the member is gone).
 */
function terminateTree(leader: number): boolean {
  const known = knownRoot(leader);
  let members = treeBelow(windowsProcessTable(), known);
  if (members.length === 0) return false;
  if (exists(leader)) {
    execaSync('taskkill', ['/PID', String(leader), '/T', '/F'], { reject: false, stdin: 'ignore', stdout: 'ignore', stderr: 'ignore', windowsHide: true });
  }
  for (let round = 0; round < 5 && members.length > 0; round++) {
    for (const member of members) {
      known.set(member.pid, member);
      terminate(member.pid);
    }
    members = treeBelow(windowsProcessTable(), known).filter((member) => exists(member.pid));
  }
  return true;
}

/**
 * Windows: no process groups, no SIGTERM, no other process's environment. A backend's group is
 * its process tree by parent pid; every "signal" terminates that tree (a graceful stop is the
 * backend's stop request); identity is the creation time from WMI (image name and parent where
 * WMI has none, as under Wine).
 */
export const windowsPlatform: ProcessPlatform = {
  name: 'windows',
  gracefulSignals: false,
  readsEnvironment: false,
  groupMembers: (pgid) =>
    treeBelow(windowsProcessTable(), knownRoot(pgid))
      .map((row) => row.pid)
      .filter(exists),
  signalGroup: (pgid) => terminateTree(pgid),
  isAlive: exists,
  startTime(pid) {
    const row = exists(pid) ? windowsProcessTable().find((entry) => entry.pid === pid) : undefined;
    if (!row) return undefined;
    lastSeen.set(pid, row);
    return identity(row);
  },
  processGroupOf: (pid) => (exists(pid) ? pid : undefined),
  envValue: () => undefined,
  processesOfInstance: () => [],
};
