import { beforeEach, describe, expect, it, vi } from 'vitest';

// ps e on Linux reads /proc/<pid>/environ once: a process inside execve shows neither argv nor
// environment, only its name in brackets (seen 11 times in 102 tables while 150 members were born)
const id = '0b6f7a2c-1d2e-4f50-9a7b-3c4d5e6f7a8b';
const tables: string[] = [];
vi.mock('execa', () => ({
  execaSync: () => ({ stdout: tables.shift() ?? '' }),
}));

const { posixPsPlatform } = await import('../../src/platform/posix-ps.js');

describe('the ps strategy and a family member caught inside its exec', () => {
  beforeEach(() => {
    tables.length = 0;
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

  it('does not ask again when nothing is inside an exec (kernel threads never have an environment)', () => {
    tables.push([`    2     0 S    [kthreadd]`, `   57     2 I    [kworker/0:1-events]`, `  400   300 S    node backend.mjs BACKEND_INSTANCE_ID=${id}`].join('\n'), 'unused');
    expect(posixPsPlatform.processesOfInstance(id)).toEqual([400]);
    expect(tables).toEqual(['unused']);
  });
});
