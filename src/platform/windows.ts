import { loadExeca } from './load-execa.js';
import type { ProcessPlatform } from './types.js';
import { type BackendJob, jobFor, jobUnavailableReason, type loadJobApi } from './windows-job.js';
import { ProcessTableUnavailable, type WindowsProcess, windowsProcessTable, windowsProcessTableSync } from './windows-table.js';

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
// exits may lend its pid to a stranger, who must not be taken for a member of its tree. One map per
// process is right: a pid names one process machine-wide, whichever supervisor asked; entries go
// when the tree is ended (see forgetLeader)
const lastSeen = new Map<number, WindowsProcess>();
const knownRoot = (pid: number) => new Map([[pid, lastSeen.get(pid)]]);
// the job of each backend this process started (by leader pid): its process list is the tree
const jobs = new Map<number, BackendJob>();

function terminate(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL'); // TerminateProcess on Windows
  } catch {
    // already gone
  }
}

/** The table, or undefined when no source answers (the callers then act on what they hold). */
async function readTable(): Promise<WindowsProcess[] | undefined> {
  try {
    return await windowsProcessTable();
  } catch (error) {
    if (error instanceof ProcessTableUnavailable) return undefined;
    throw error;
  }
}

const tableUnreadable: Set<number> = new Set();

/** The tree below a leader by parent pid; where the table cannot be read, the leader alone (we hold its pid). */
async function walk(leader: number, known = knownRoot(leader)): Promise<WindowsProcess[]> {
  const table = await readTable();
  if (table) return treeBelow(table, known);
  tableUnreadable.add(leader);
  return exists(leader) ? [{ pid: leader, parentPid: -1, name: '', created: undefined }] : [];
}

/** True when the leader is the process we recorded (same identity), or when nothing was recorded. */
async function stillOurs(leader: number): Promise<boolean> {
  const known = lastSeen.get(leader);
  if (!known) return true;
  const row = (await readTable())?.find((entry) => entry.pid === leader);
  return row === undefined || identity(row) === identity(known);
}

/**
 * Ends a backend's whole tree: its job at once where it has one (the job holds even a re-parented
 * server), then `taskkill /T /F` where it exists (only while the leader is still the process we
 * started: pids are recycled), then a walk of our own that terminates every member and looks again
 * for processes they started meanwhile (Wine's taskkill has no /T; a member's children are found by
 * parent pid even after the member is gone; children started before the backend joined its job).
 */
async function terminateTree(leader: number): Promise<boolean> {
  const job = jobs.get(leader);
  const inJob = job?.pids() ?? [];
  if (job) job.terminate();
  const known = knownRoot(leader);
  let members = await walk(leader, known);
  if (members.length === 0) return inJob.length > 0;
  if (exists(leader) && (await stillOurs(leader))) {
    const { execa } = await loadExeca();
    await execa('taskkill', ['/PID', String(leader), '/T', '/F'], { reject: false, stdin: 'ignore', stdout: 'ignore', stderr: 'ignore', windowsHide: true });
  }
  for (let round = 0; round < 5 && members.length > 0; round++) {
    for (const member of members) {
      known.set(member.pid, member);
      terminate(member.pid);
    }
    members = (await walk(leader, known)).filter((member) => exists(member.pid));
  }
  return true;
}

/** The exit hook's variant, synchronous (Node is exiting): the job, else a walk from one table read. */
function terminateTreeSync(leader: number): boolean {
  const job = jobs.get(leader);
  if (job?.terminate()) return true;
  const table = windowsProcessTableSync();
  const pids = table ? treeBelow(table, knownRoot(leader)).map((row) => row.pid) : exists(leader) ? [leader] : [];
  for (const pid of pids) terminate(pid);
  return pids.length > 0;
}

/**
 * Puts a just-spawned backend into a kill-on-close Job Object (Windows, koffi loaded by
 * `prepareWindowsJobs`). Returns a line for the launch log: held, or why not (then the tree walk
 * and the guard do the work alone).
 */
export function holdInJob(pid: number, api: Awaited<ReturnType<typeof loadJobApi>>): string {
  if (!api) return `no Job Object (${jobUnavailableReason()}): the tree is found by parent pid`;
  const job = jobFor(api, pid);
  if (typeof job === 'string') return `no Job Object (${job}): the tree is found by parent pid`;
  jobs.set(pid, job);
  return 'held in a Job Object with kill-on-close: the tree dies with this process, even when it is terminated';
}

/** True while this process holds the backend's job (so no guard process is needed). */
export const heldInJob = (pid: number): boolean => jobs.has(pid);

/** True when a walk for this leader found no process table (only the leader itself could be ended). */
export const walkedBlind = (pid: number): boolean => tableUnreadable.has(pid);

/** Forgets a leader whose tree is gone: its job (closing it ends any straggler) and its identity. */
export function forgetLeader(pid: number): void {
  jobs.get(pid)?.close();
  jobs.delete(pid);
  lastSeen.delete(pid);
  tableUnreadable.delete(pid);
}

async function members(pgid: number): Promise<number[]> {
  const job = jobs.get(pgid);
  const listed = job?.pids();
  // the job lists everything that joined it; the walk adds what started before the backend joined
  const walked = (await walk(pgid)).map((row) => row.pid);
  const live = [...new Set([...(listed ?? []), ...walked])].filter((pid) => pid !== process.pid && exists(pid));
  if (live.length === 0) forgetLeader(pgid); // the tree is gone: let go of its job and identity
  return live;
}

/**
 * The live tree of a recorded backend that is gone (a force-quit supervisor's orphan whose child
 * keeps the port): its children by parent pid, created after it. Only with a recorded creation time
 * (real Windows): without one (Wine) a stranger's children with the recycled pid could not be told apart.
 */
async function orphanedTree(pid: number, recorded: string): Promise<number[]> {
  const created = /^created:(\d+)$/.exec(recorded)?.[1];
  const table = created === undefined ? undefined : await readTable();
  if (!table || created === undefined) return [];
  const root: WindowsProcess = { pid, parentPid: -1, name: '', created: BigInt(created) };
  return treeBelow(table, new Map([[pid, root]]))
    .filter((row) => row.pid !== pid && exists(row.pid))
    .map((row) => row.pid);
}

/**
 * Windows: no process groups, no SIGTERM, no other process's environment. A backend's group is
 * its Job Object's process list plus its process tree by parent pid; every "signal" terminates
 * that tree (a graceful stop is the backend's stop request); identity is the creation time from
 * WMI (image name and parent where WMI has none, as under Wine). Every call is asynchronous (wmic,
 * PowerShell and taskkill run without blocking the event loop), but the exit hook's.
 */
export const windowsPlatform: ProcessPlatform = {
  name: 'windows',
  gracefulSignals: false,
  readsEnvironment: false,
  groupMembers: members,
  signalGroup: (pgid) => terminateTree(pgid),
  signalGroupAtExit: terminateTreeSync,
  isAlive: exists,
  async startTime(pid) {
    const row = exists(pid) ? (await readTable())?.find((entry) => entry.pid === pid) : undefined;
    if (!row) return undefined;
    lastSeen.set(pid, row);
    return identity(row);
  },
  processGroupOf: (pid) => (exists(pid) ? pid : undefined),
  envValue: () => undefined,
  processesOfInstance: () => [],
  orphanedTree,
};
