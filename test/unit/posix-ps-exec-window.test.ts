import { spawn } from 'node:child_process';
import { beforeEach, describe, expect, it, vi } from 'vitest';

// ps e on Linux reads /proc/<pid>/environ once: a process inside execve shows neither argv nor
// environment, only its name in brackets (seen 11 times in 102 tables while 150 members were born)
const id = '0b6f7a2c-1d2e-4f50-9a7b-3c4d5e6f7a8b';
const tables: string[] = [];
const runs: { sync: boolean; args: string[] }[] = [];
vi.mock('execa', () => ({
  execaSync: (_file: string, args: string[]) => {
    runs.push({ sync: true, args });
    const stdout = tables.shift() ?? '';
    // a table given as null: ps could not start (EMFILE, not on PATH)
    return stdout === 'NOT STARTED' ? { stdout: '', exitCode: undefined, failed: true, code: 'EMFILE' } : { stdout, exitCode: 0 };
  },
  execa: async (_file: string, args: string[]) => {
    runs.push({ sync: false, args });
    const stdout = tables.shift() ?? '';
    return stdout === 'NOT STARTED' ? { stdout: '', exitCode: undefined, failed: true, code: 'EMFILE' } : { stdout, failed: false, exitCode: 0 };
  },
}));

const { posixPsPlatform } = await import('../../src/platform/posix-ps.js');

describe('the ps strategy and a family member caught inside its exec', () => {
  beforeEach(() => {
    tables.length = 0;
    runs.length = 0;
  });

  it('asks again for a process shown without argv or environment, and finds it', () => {
    tables.push(
      [
        `    1     0 Ss   /sbin/init`,
        `    2     0 S    [kthreadd]`,
        `   57     2 I    [kworker/0:1-events]`,
        `  400   300 S    node backend.mjs BACKEND_INSTANCE_ID=${id} PATH=/usr/bin`,
        `  401   400 R    [sleep]`,
        `  402     1 S    sleep 30 HOME=/root`,
      ].join('\n'),
      `  401   400 S    sleep 30 BACKEND_INSTANCE_ID=${id} PATH=/usr/bin`,
    );
    expect(posixPsPlatform.processesOfInstance(id).sort()).toEqual([400, 401]);
    expect(tables).toEqual([]);
  });

  it("a stop's scan asks the same two questions without blocking the event loop, and lists every pid it saw", async () => {
    tables.push(
      [`    2     0 S    [kthreadd]`, `  400   300 S    node backend.mjs BACKEND_INSTANCE_ID=${id}`, `  401   400 R    [sleep]`, `  402     1 Z    [defunct]`].join('\n'),
      `  401   400 S    sleep 30 BACKEND_INSTANCE_ID=${id}`,
    );
    const scan = await posixPsPlatform.scanInstance?.(id);
    expect([...(scan?.members ?? [])].sort()).toEqual([400, 401]);
    expect([...(scan?.listed ?? [])].sort()).toEqual([2, 400, 401]);
    expect(runs.map((run) => run.sync)).toEqual([false, false]);
    expect(runs[1]?.args.at(-1)).toBe('401');
  });

  it('a start time and a group are read without blocking the event loop', async () => {
    // a real group, so that the one-syscall check before the table says it exists
    const leader = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    try {
      const pid = leader.pid as number;
      tables.push('Mon Nov 30 16:00:00 2026', `  ${pid} ${pid} S`);
      expect(await posixPsPlatform.startTime(pid)).toBe('Mon Nov 30 16:00:00 2026');
      expect(await posixPsPlatform.groupMembers(pid)).toEqual([pid]);
      expect(runs.map((run) => run.sync)).toEqual([false, false]);
    } finally {
      leader.kill('SIGKILL');
    }
  });

  it('a ps that cannot start never reads as "gone" or "no members": alive stays alive, a scan rejects, a start time is unknown', async () => {
    tables.push('NOT STARTED', 'NOT STARTED', 'NOT STARTED');
    expect(posixPsPlatform.isAlive(process.pid)).toBe(true);
    await expect(posixPsPlatform.scanInstance?.(id)).rejects.toMatchObject({ code: 'EMFILE' });
    expect(await posixPsPlatform.startTime(process.pid)).toBeUndefined();
  });

  it('does not ask again when nothing is inside an exec (kernel threads never have an environment)', () => {
    tables.push([`    2     0 S    [kthreadd]`, `   57     2 I    [kworker/0:1-events]`, `  400   300 S    node backend.mjs BACKEND_INSTANCE_ID=${id}`].join('\n'), 'unused');
    expect(posixPsPlatform.processesOfInstance(id)).toEqual([400]);
    expect(tables).toEqual(['unused']);
  });
});
