import { readFile } from 'node:fs/promises';

/** Where a process's cgroup counts its OOM kills, and the count when it was read. */
export interface OomCounter {
  file: string;
  count: number;
}

/** The `oom_kill N` line of cgroup v2 `memory.events` or v1 `memory.oom_control`. */
export function parseOomKills(text: string): number | undefined {
  const match = /^oom_kill (\d+)$/m.exec(text);
  return match ? Number(match[1]) : undefined;
}

/** The counter file of a process's memory cgroup from its /proc/<pid>/cgroup text (v2 first, then v1). */
export function oomCounterFile(cgroupText: string, root = '/sys/fs/cgroup'): string[] {
  const files: string[] = [];
  for (const line of cgroupText.split('\n')) {
    const [, controllers, path] = /^\d+:([^:]*):(.*)$/.exec(line.trim()) ?? [];
    if (path === undefined) continue;
    if (controllers === '') files.push(`${root}${path === '/' ? '' : path}/memory.events`);
    else if (controllers?.split(',').includes('memory')) files.push(`${root}/memory${path === '/' ? '' : path}/memory.oom_control`);
  }
  return files;
}

/** Reads a counter file again (after the process ended); undefined when it is not readable. */
export async function readOomCount(file: string): Promise<number | undefined> {
  try {
    return parseOomKills(await readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * The OOM-kill counter of a live process's memory cgroup (Linux, where readable), read without
 * blocking; undefined elsewhere. Read at spawn, and again when the process was SIGKILLed, it tells
 * whether the out-of-memory killer sent that signal.
 *
 * @example
 * const before = await readOomCounter(pid); // { file: '/sys/fs/cgroup/…/memory.events', count: 0 }
 */
export async function readOomCounter(pid: number): Promise<OomCounter | undefined> {
  if (process.platform !== 'linux') return undefined;
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/cgroup`, 'utf8');
  } catch {
    return undefined;
  }
  for (const file of oomCounterFile(text)) {
    const count = await readOomCount(file);
    if (count !== undefined) return { file, count };
  }
  return undefined;
}
