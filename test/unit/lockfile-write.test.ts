import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeLock } from '../../src/disk/lockfile.js';

const record = { pid: 1, pgid: 1, startTime: 'x', instanceId: 'i', supervisorPid: 1, supervisorStartTime: 'y', port: 1, platform: 'linux-proc' };
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('writeLock', () => {
  it('a lock write that fails (here the rename: a directory holds the name) leaves no temp file behind', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bl-lockwrite-'));
    dirs.push(dir);
    const path = join(dir, 'api.lock.json');
    mkdirSync(path);
    writeFileSync(join(path, 'occupied'), '');
    expect(() => writeLock(path, record)).toThrow();
    expect(readdirSync(dir)).toEqual(['api.lock.json']);
  });
});
