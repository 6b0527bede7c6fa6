import { readdirSync, readFileSync } from 'node:fs';
import { posixGroupExists, signalPosixGroup } from './posix-group.js';
import type { ProcessPlatform } from './types.js';

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

function liveStat(pid: number): ProcStat | undefined {
  const stat = readStat(pid);
  return stat && stat.state !== 'Z' ? stat : undefined;
}

function allPids(): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number);
}

function environment(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
  } catch {
    return undefined; // gone, or another user's process
  }
}

/** Linux: everything from /proc, without starting a process (start time in clock ticks since boot). */
export const linuxProcPlatform: ProcessPlatform = {
  name: 'linux-proc',
  gracefulSignals: true,
  readsEnvironment: true,
  // one syscall answers "gone" for the common case; only a group that exists needs the full look
  groupMembers: (pgid) =>
    !posixGroupExists(pgid)
      ? []
      : allPids()
          .map(liveStat)
          .filter((stat): stat is ProcStat => stat !== undefined && stat.pgrp === pgid)
          .map((stat) => stat.pid),
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
  shellIdentityCheck: 'grep -qz "^BACKEND_INSTANCE_ID=$2\\$" "/proc/$1/environ" 2>/dev/null',
};
