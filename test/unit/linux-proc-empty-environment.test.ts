import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';

// counts each read of a /proc/<pid>/environ, the rest of node:fs untouched
const environReads = new Map<string, number>();
const count = (path: unknown) => {
  const text = String(path);
  if (text.endsWith('/environ')) environReads.set(text, (environReads.get(text) ?? 0) + 1);
};
// the asynchronous reads open the file themselves (src/platform/read-proc-file.ts), the synchronous ones read it whole
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  const readFileSync = (path: Parameters<typeof real.readFileSync>[0], ...rest: [never]) => {
    count(path);
    return real.readFileSync(path, ...rest);
  };
  const open = (path: Parameters<typeof real.open>[0], ...rest: [never, never]) => {
    count(path);
    return real.open(path, ...rest);
  };
  return { ...real, readFileSync, open };
});

const { linuxProcPlatform } = await import('../../src/platform/linux-proc.js');

const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0)) child.kill('SIGKILL');
});

function readCmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

/** A process started with no environment at all on purpose (env -i), settled past its exec. */
async function emptyEnvironment(): Promise<number> {
  const child = spawn('env', ['-i', 'sleep', '30'], { stdio: 'ignore' });
  started.push(child);
  const pid = child.pid as number;
  // the kernel lays out argv and the environment together: argv readable means past the exec
  while (!readCmdline(pid).startsWith('sleep\0')) await new Promise((resolve) => setTimeout(resolve, 10));
  return pid;
}

describe.runIf(existsSync('/proc/self/stat'))('linux-proc and a process whose environment is empty on purpose', () => {
  it('does not wait on it as on a process inside execve (whose environment is not laid out yet)', async () => {
    const pid = await emptyEnvironment();
    environReads.clear();
    const scan = await linuxProcPlatform.scanInstance?.(randomUUID());
    expect(scan?.listed.has(pid)).toBe(true);
    expect(scan?.members).toEqual([]);
    // many such processes on the machine (env -i, sandboxes) each held every stop's scan for 20 reads;
    // one more read is kept, for an exec whose layout ended between the empty read and the stat's
    expect(environReads.get(`/proc/${pid}/environ`)).toBe(2);
    environReads.clear();
    expect(linuxProcPlatform.envValue(pid, 'BACKEND_INSTANCE_ID')).toBeUndefined();
    expect(environReads.get(`/proc/${pid}/environ`)).toBe(2);
  });
});
