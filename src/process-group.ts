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

/** Polls until the group has no live member or the deadline passes; true when it is gone. */
export async function waitForGroupGone(pgid: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let pause = 2;
  while (groupMembers(pgid).length > 0) {
    if (Date.now() >= deadline || signal?.aborted) return false;
    await sleep(Math.min(pause, Math.max(1, deadline - Date.now())));
    pause = Math.min(pause * 2, 50);
  }
  return true;
}

/** SIGTERM, then SIGKILL after `graceMs`: the two-stage stop of a group. True when it is gone. */
export async function terminateGroup(pgid: number, graceMs: number, signal?: AbortSignal): Promise<boolean> {
  if (groupMembers(pgid).length === 0) return true;
  signalGroup(pgid, 'SIGTERM');
  if (await waitForGroupGone(pgid, graceMs, signal)) return true;
  signalGroup(pgid, 'SIGKILL');
  return waitForGroupGone(pgid, 2_000);
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

/** SIGTERM, then SIGKILL after `graceMs`, for individual processes. True when all are gone. */
export async function terminatePids(pids: number[], graceMs: number, signal?: AbortSignal): Promise<boolean> {
  const send = (target: number, name: NodeJS.Signals) => {
    try {
      process.kill(target, name);
    } catch {
      // already gone
    }
  };
  for (const pid of pids) send(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (pids.some(isAlive) && Date.now() < deadline && !signal?.aborted) await sleep(10);
  for (const pid of pids.filter(isAlive)) send(pid, 'SIGKILL');
  const killDeadline = Date.now() + 2_000;
  while (pids.some(isAlive) && Date.now() < killDeadline) await sleep(10);
  return !pids.some(isAlive);
}
