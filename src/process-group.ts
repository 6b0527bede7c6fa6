import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

const hasProc = process.platform === 'linux';

interface ProcStat {
  pid: number;
  state: string;
  pgrp: number;
  startTime: string;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name may contain spaces and parentheses: fields start after the last ')'
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { pid, state: fields[0] ?? '?', pgrp: Number(fields[2]), startTime: fields[19] ?? '' };
  } catch {
    return undefined;
  }
}

function allPids(): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number);
}

/** Live (non-zombie) members of a process group. Zombies count as gone: they hold no resources. */
export function groupMembers(pgid: number): number[] {
  // one syscall answers "gone" for the common case; only a group that exists needs the /proc scan
  if (!isSignalable(-pgid)) return [];
  if (!hasProc) return [pgid];
  return allPids()
    .map(readStat)
    .filter((stat): stat is ProcStat => stat !== undefined && stat.pgrp === pgid && stat.state !== 'Z')
    .map((stat) => stat.pid);
}

function isSignalable(target: number): boolean {
  try {
    process.kill(target, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True while the process exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  if (!hasProc) return isSignalable(pid);
  const stat = readStat(pid);
  return stat !== undefined && stat.state !== 'Z';
}

/** A stable token for "this process, not a later one with a recycled pid"; undefined when gone. */
export function processStartTime(pid: number): string | undefined {
  if (!hasProc) return isSignalable(pid) ? 'unknown' : undefined;
  return readStat(pid)?.startTime;
}

/** The process group of a live process (Linux only; undefined elsewhere or when gone). */
export function processGroupOf(pid: number): number | undefined {
  if (!hasProc) return undefined;
  const stat = readStat(pid);
  return stat && stat.state !== 'Z' ? stat.pgrp : undefined;
}

/** The value of one environment variable of another process of ours (Linux only). */
export function processEnvValue(pid: number, name: string): string | undefined {
  if (!hasProc) return undefined;
  try {
    const prefix = `${name}=`;
    const entry = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').find((item) => item.startsWith(prefix));
    return entry?.slice(prefix.length);
  } catch {
    return undefined;
  }
}

/** Sends a signal to a whole process group; false when the group no longer exists. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

/** Polls (backing off to 50 ms) until `gone()` or the deadline; true when gone. */
async function waitUntilGone(gone: () => boolean, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let pause = 2;
  while (!gone()) {
    if (Date.now() >= deadline || signal?.aborted) return false;
    await sleep(Math.min(pause, Math.max(1, deadline - Date.now())));
    pause = Math.min(pause * 2, 50);
  }
  return true;
}

/** The two-stage stop: SIGTERM, then SIGKILL after `graceMs`, then up to 2 s more. True when gone. */
async function escalate(send: (signal: NodeJS.Signals) => void, alive: () => boolean, graceMs: number, signal?: AbortSignal): Promise<boolean> {
  if (!alive()) return true;
  send('SIGTERM');
  if (await waitUntilGone(() => !alive(), graceMs, signal)) return true;
  send('SIGKILL');
  return waitUntilGone(() => !alive(), 2_000);
}

function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** SIGTERM, then SIGKILL after `graceMs`, to a whole process group. True when it is gone. */
export function terminateGroup(pgid: number, graceMs: number, signal?: AbortSignal): Promise<boolean> {
  return escalate((name) => signalGroup(pgid, name), () => groupMembers(pgid).length > 0, graceMs, signal);
}

/**
 * Live processes whose environment carries BACKEND_INSTANCE_ID=<id>: the backend's whole family,
 * including members that left its process group (setsid). The id is a random UUID per spawn, so
 * nothing else can match. Linux only (reads /proc/<pid>/environ of our own user's processes).
 */
export function processesOfInstance(instanceId: string): number[] {
  if (!hasProc) return [];
  const needle = `BACKEND_INSTANCE_ID=${instanceId}`;
  return allPids().filter((pid) => {
    if (pid === process.pid) return false;
    try {
      const stat = readStat(pid);
      return stat !== undefined && stat.state !== 'Z' && readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(needle);
    } catch {
      return false; // gone, or another user's process
    }
  });
}

/** SIGTERM, then SIGKILL after `graceMs`, to individual processes. True when all are gone. */
export function terminatePids(pids: number[], graceMs: number, signal?: AbortSignal): Promise<boolean> {
  const send = (name: NodeJS.Signals) => {
    for (const pid of pids) signalPid(pid, name);
  };
  return escalate(send, () => pids.some(isAlive), graceMs, signal);
}

/**
 * Stops a backend's whole family: its process group (if it still has one), then any process that
 * left the group (setsid) but still carries its instance id. Returns the pids that survived.
 */
export async function stopFamily(pgid: number | undefined, instanceId: string | undefined, graceMs: number, signal?: AbortSignal): Promise<number[]> {
  if (pgid !== undefined && !(await terminateGroup(pgid, graceMs, signal))) return groupMembers(pgid);
  const escaped = instanceId ? processesOfInstance(instanceId) : [];
  if (escaped.length > 0 && !(await terminatePids(escaped, graceMs, signal))) return escaped.filter(isAlive);
  return [];
}
