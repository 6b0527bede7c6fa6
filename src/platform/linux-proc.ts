import { readdirSync, readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { posixGroupExists, signalPosixGroup } from './posix-group.js';
import { isOutOfDescriptors, readProcFile, whenDescriptorsAllow } from './read-proc-file.js';
import type { InstanceScan, ProcessPlatform } from './types.js';

interface ProcStat {
  pid: number;
  state: string;
  pgrp: number;
  startTime: string;
  kernelThread: boolean;
  /** mm->env_end (field 51, Linux 3.5+): 0 until execve lays out the environment; undefined on older kernels */
  environmentEnd: string | undefined;
}

// PF_KTHREAD in the flags of /proc/<pid>/stat: a kernel thread, which has no environment at all
const kernelThreadFlag = 0x00200000;

function parseStat(pid: number, text: string): ProcStat {
  // the command name may contain spaces and parentheses: fields start after the last ')'
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { pid, state: fields[0] ?? '?', pgrp: Number(fields[2]), startTime: fields[19] ?? '', kernelThread: (Number(fields[6]) & kernelThreadFlag) !== 0, environmentEnd: fields[48] };
}

function readStat(pid: number): ProcStat | undefined {
  try {
    return parseStat(pid, readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** `readStat` without blocking the event loop (libuv's threads read). */
async function readStatAsync(pid: number): Promise<ProcStat | undefined> {
  try {
    return parseStat(pid, (await whenDescriptorsAllow(() => readProcFile(`/proc/${pid}/stat`))).toString('utf8'));
  } catch (error) {
    // no descriptor to read with says nothing of the process: the scan fails rather than call it gone
    if (isOutOfDescriptors(error)) throw error;
    return undefined;
  }
}

function liveStat(pid: number): ProcStat | undefined {
  const stat = readStat(pid);
  return stat && stat.state !== 'Z' ? stat : undefined;
}

function allPids(): number[] {
  return readdirSync('/proc').filter(isPid).map(Number);
}

// While a process is inside execve, between taking its new memory and laying out the new stack,
// /proc/<pid>/environ reads empty (1 read in 6 right after a fork here): an empty read is read again
// before it counts. The window lasts microseconds on a quiet machine; these synchronous reads stop
// after 20 tries (the reads without blocking below wait longer, see execWindowMs).
const execWindowReads = 20;

/**
 * What an empty environment read means, from the process's stat read after it: a kernel thread never
 * has an environment and a zombie no longer has one ('final'); a laid-out environment (env_end set) is
 * empty on purpose (env -i), unless the layout ended between the two reads, so it is read once more
 * ('once'); env_end still 0 (or a kernel too old to show it) is an exec in progress ('wait').
 */
function emptyReadMeans(stat: ProcStat | undefined): 'final' | 'once' | 'wait' {
  if (stat === undefined || stat.kernelThread || stat.state === 'Z') return 'final';
  return stat.environmentEnd === undefined || stat.environmentEnd === '0' ? 'wait' : 'once';
}

function environment(pid: number): string[] | undefined {
  try {
    let text = readFileSync(`/proc/${pid}/environ`, 'utf8');
    for (let again = 0; text === '' && again < execWindowReads; again += 1) {
      const means = emptyReadMeans(readStat(pid));
      if (means === 'final') break;
      text = readFileSync(`/proc/${pid}/environ`, 'utf8');
      if (means === 'once') break;
    }
    return text.split('\0');
  } catch {
    return undefined; // gone, or another user's process
  }
}

// How long a read without blocking waits out an exec: on a loaded machine an exec took over the
// 20 reads of a millisecond (a stop's scan then missed a member in 1 of 15 tries of 150 births)
const execWindowMs = 250;

/**
 * The environment of `pid` (NUL-separated), read without blocking; an exec in progress is waited
 * out, up to `execWindowMs`. Undefined when the process is still inside its exec then: it cannot
 * be told yet.
 */
async function environmentAsync(pid: number): Promise<Buffer | undefined> {
  const read = () => whenDescriptorsAllow(() => readProcFile(`/proc/${pid}/environ`));
  let environ = await read();
  const deadline = Date.now() + execWindowMs;
  for (let pause = 1; environ.length === 0; pause = Math.min(pause * 2, 20)) {
    const means = emptyReadMeans(await readStatAsync(pid));
    if (means === 'final') break;
    if (means === 'wait') {
      if (Date.now() >= deadline) return undefined;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
    environ = await read();
    if (means === 'once') break;
  }
  return environ;
}

const isPid = (entry: string) => /^\d+$/.test(entry);

/** True when the environment (NUL-separated) holds `entry` as one whole variable. */
function holdsEntry(environ: Buffer, entry: Buffer): boolean {
  for (let at = environ.indexOf(entry); at !== -1; at = environ.indexOf(entry, at + 1)) {
    const end = at + entry.length;
    if ((at === 0 || environ[at - 1] === 0) && (end === environ.length || environ[end] === 0)) return true;
  }
  return false;
}

/**
 * True for a live (non-zombie) process whose environment holds `entry`; read without blocking.
 * Undefined for a process still inside its exec: it cannot be told yet.
 */
async function carries(pid: number, entry: Buffer): Promise<boolean | undefined> {
  try {
    const environ = await environmentAsync(pid);
    if (environ === undefined) return undefined;
    if (!holdsEntry(environ, entry)) return false;
  } catch (error) {
    if (isOutOfDescriptors(error)) throw error;
    return false; // gone, or another user's process
  }
  const stat = await readStatAsync(pid);
  return stat !== undefined && stat.state !== 'Z';
}

// reads in flight at once: enough to keep libuv's threads busy, few enough to leave them to others between batches
const scanBatch = 32;

/** The pids for which `test` holds, asked `scanBatch` at a time. */
async function pidsWhere(pids: readonly number[], test: (pid: number) => Promise<boolean>): Promise<number[]> {
  const matching: number[] = [];
  for (let start = 0; start < pids.length; start += scanBatch) {
    const batch = pids.slice(start, start + scanBatch);
    const found = await Promise.all(batch.map(test));
    matching.push(...batch.filter((_, index) => found[index]));
  }
  return matching;
}

/** Every pid in /proc, read without blocking. */
const listPids = async () => (await whenDescriptorsAllow(() => readdir('/proc'))).filter(isPid).map(Number);

/**
 * The processes of an instance from /proc, read asynchronously (the threads of libuv do the
 * reading; the event loop only matches). With an earlier scan, a pid listed then that did not
 * carry the id is not read again: a process's environment is fixed at its birth, so only the pids
 * born since and the members found then can carry it now.
 */
async function scanInstance(instanceId: string, earlier?: InstanceScan): Promise<InstanceScan> {
  const entry = Buffer.from(`BACKEND_INSTANCE_ID=${instanceId}`);
  const listed = new Set(await listPids());
  listed.delete(process.pid);
  const known = new Set(earlier?.members);
  const candidates = [...listed].filter((pid) => !earlier?.listed.has(pid) || known.has(pid));
  const untold = new Set<number>();
  const members = await pidsWhere(candidates, async (pid) => {
    // a member found before is read again like a newcomer: its pid alone does not prove it is the same process
    const verdict = await carries(pid, entry);
    if (verdict === undefined) untold.add(pid);
    return verdict === true;
  });
  // a process still inside its exec is not counted as seen without the id: the next scan reads it again
  for (const pid of untold) listed.delete(pid);
  return { listed, members };
}

/** Linux: everything from /proc, without starting a process (start time in clock ticks since boot). */
export const linuxProcPlatform: ProcessPlatform = {
  name: 'linux-proc',
  gracefulSignals: true,
  readsEnvironment: true,
  // one syscall answers "gone" for the common case; only a group that exists needs the full look,
  // read without blocking (a stop polls it until the group is gone)
  groupMembers: async (pgid) => {
    if (!posixGroupExists(pgid)) return [];
    return pidsWhere(await listPids(), async (pid) => {
      const stat = await readStatAsync(pid);
      return stat !== undefined && stat.state !== 'Z' && stat.pgrp === pgid;
    });
  },
  signalGroup: signalPosixGroup,
  isAlive: (pid) => liveStat(pid) !== undefined,
  startTime: (pid) => readStat(pid)?.startTime,
  processGroupOf: (pid) => liveStat(pid)?.pgrp,
  envValue(pid, name) {
    const prefix = `${name}=`;
    return environment(pid)
      ?.find((entry) => entry.startsWith(prefix))
      ?.slice(prefix.length);
  },
  processesOfInstance(instanceId) {
    const needle = `BACKEND_INSTANCE_ID=${instanceId}`;
    return allPids().filter((pid) => pid !== process.pid && liveStat(pid) !== undefined && (environment(pid)?.includes(needle) ?? false));
  },
  scanInstance,
  shellIdentityCheck: 'grep -qz "^BACKEND_INSTANCE_ID=$2\\$" "/proc/$1/environ" 2>/dev/null',
};
