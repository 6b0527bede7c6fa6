import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { readProcFile } from '../../src/platform/read-proc-file.js';

const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0)) child.kill('SIGKILL');
});

/** A sleeping process whose environment is `env`, read once its exec has laid it out. */
async function withEnvironment(env: Record<string, string>): Promise<number> {
  const child = spawn('sleep', ['30'], { env, stdio: 'ignore' });
  started.push(child);
  const pid = child.pid as number;
  while (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('sleep\0')) await new Promise((resolve) => setTimeout(resolve, 5));
  // asleep, its stat no longer changes (right after its exec its state and fault counters still move)
  while (/^\d+ \(sleep\) [^S]/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))) await new Promise((resolve) => setTimeout(resolve, 5));
  await new Promise((resolve) => setTimeout(resolve, 20));
  return pid;
}

const openFds = () => readdirSync('/proc/self/fd').length;
const chunk = 16 * 1024;
// "A=" + value + the NUL after it
const environmentOf = (bytes: number) => ({ A: 'x'.repeat(bytes - 3) });

describe.runIf(existsSync('/proc/self/stat'))('readProcFile', () => {
  it('reads what readFileSync reads: stat, cmdline, a short environment', async () => {
    // a sleeping process: its stat does not change between the two reads, as this process's own would
    const pid = await withEnvironment({ A: '1', B: '2' });
    for (const file of ['stat', 'cmdline', 'environ']) {
      expect((await readProcFile(`/proc/${pid}/${file}`)).equals(readFileSync(`/proc/${pid}/${file}`))).toBe(true);
    }
  });

  it('reads an environment of several chunks whole, and one that ends exactly on a chunk', async () => {
    for (const bytes of [chunk - 1, chunk, chunk + 1, 3 * chunk + 17]) {
      const pid = await withEnvironment(environmentOf(bytes));
      const read = await readProcFile(`/proc/${pid}/environ`);
      expect(read.length).toBe(bytes);
      expect(read.equals(readFileSync(`/proc/${pid}/environ`))).toBe(true);
    }
  });

  it('reads an empty environment (env -i) as an empty buffer', async () => {
    const pid = await withEnvironment({});
    expect((await readProcFile(`/proc/${pid}/environ`)).length).toBe(0);
  });

  it('rejects as readFile does for a process that is gone, and for a folder', async () => {
    const child = spawn('true', { stdio: 'ignore' });
    const pid = child.pid as number;
    await new Promise((resolve) => child.once('exit', resolve));
    await expect(readProcFile(`/proc/${pid}/environ`)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(readProcFile('/proc/self')).rejects.toMatchObject({ code: 'EISDIR' });
  });

  it('leaves no file descriptor open, whether the read succeeded or failed', async () => {
    const before = openFds();
    const reads = Array.from({ length: 200 }, (_, index) => readProcFile(index % 2 === 0 ? '/proc/self/environ' : '/proc/self').catch(() => undefined));
    await Promise.all(reads);
    expect(openFds()).toBe(before);
  });
});
